"""Input formats and bad input: every problem is one ReadError naming the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from statements.readers import ReadError, SourceDocument, sources_read

LIMIT = 100_000
ARTICLE = "The minister said on Friday that the talks would resume next week."


def read(*paths: Path | str, **kwargs) -> list[SourceDocument | ReadError]:
    return list(sources_read([str(p) for p in paths], max_bytes=LIMIT, **kwargs))


def only_error(items: list) -> ReadError:
    assert len(items) == 1 and isinstance(items[0], ReadError), items
    return items[0]


def test_txt_header_block_becomes_metadata(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(
        "title: Talks resume\nurl: https://example.org/a\npublisher: Example News\n"
        f"published: 2024-05-10\nlanguage: en\n\n{ARTICLE}\n",
        encoding="utf-8",
    )
    [doc] = read(path)
    assert doc.text.strip() == ARTICLE
    assert doc.metadata.title == "Talks resume"
    assert doc.metadata.url == "https://example.org/a"
    assert doc.metadata.publisher == "Example News"
    assert doc.metadata.published == "2024-05-10"
    assert doc.raw_metadata["title"] == "Talks resume"


def test_txt_without_header_keeps_all_text(tmp_path):
    path = tmp_path / "b.txt"
    text = f"Baghdad: {ARTICLE}\n\nA second paragraph."
    path.write_text(text, encoding="utf-8")
    [doc] = read(path)
    assert doc.text == text
    assert doc.metadata.title == ""


def test_crlf_header_is_read(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(f"title: Windows\r\n\r\n{ARTICLE}\r\n".encode())
    [doc] = read(path)
    assert doc.metadata.title == "Windows"
    assert doc.text.strip() == ARTICLE


def test_json_one_record_and_a_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"text": ARTICLE, "title": "One", "published": "2024-01-02"}))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"text": ARTICLE + " A"}, {"text": ARTICLE + " B"}]))
    docs = read(one, many)
    assert [d.metadata.title for d in docs] == ["One", "", ""]
    assert docs[0].metadata.published == "2024-01-02"
    assert docs[2].path == f"{many}[1]"


def test_jsonl_bad_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"text": ARTICLE, "meta": {"publication_date": "2016-09-12"}}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": ARTICLE + " Again."}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = read(path)
    assert [type(i).__name__ for i in items] == [
        "SourceDocument",
        "ReadError",
        "ReadError",
        "SourceDocument",
    ]
    assert items[0].metadata.published == "2016-09-12"
    assert items[1].path == f"{path}:2" and "malformed JSON" in items[1].reason
    assert items[2].path == f"{path}:3" and "text" in items[2].reason


def test_html_main_text_and_metadata(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        '<html lang="en"><head><title>Big news</title>'
        '<meta property="og:site_name" content="Example News">'
        '<meta name="date" content="2024-05-10">'
        '<link rel="canonical" href="https://example.org/a"></head><body>'
        "<nav>Home | About | Contact</nav><article><h1>Big news</h1>"
        f"<p>{ARTICLE} Officials familiar with the matter confirmed it.</p>"
        "<p>“We are ready,” he told reporters in the capital after a long meeting.</p>"
        "</article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    [doc] = read(path)
    assert ARTICLE in doc.text
    assert "Home | About" not in doc.text
    assert doc.metadata.publisher == "Example News"
    assert doc.metadata.published == "2024-05-10"
    assert doc.metadata.url == "https://example.org/a"


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("binary.txt", b"abc\x00\x01\x02def", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("latin1.txt", "Le ministre a déclaré".encode("latin-1"), "not UTF-8"),
        ("broken.json", b'{"text": "abc",', "malformed JSON at line 1"),
        ("nottext.json", b'{"title": "x"}', "missing 'text'"),
        ("baddate.txt", f"published: 10/05/2024\n\n{ARTICLE}".encode(), "published"),
        ("badurl.json", json.dumps({"text": ARTICLE, "url": "nope"}).encode(), "url"),
        ("emptylist.json", b"[]", "empty"),
        ("header-only.txt", b"title: nothing else\n\n", "empty"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, name, data, problem):
    path = tmp_path / name
    path.write_bytes(data)
    error = only_error(read(path))
    assert error.path == str(path)
    assert problem in error.reason
    assert str(error).startswith(f"{path}: ")


def test_oversized_file(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(ARTICLE * 100)
    error = only_error(list(sources_read([str(path)], max_bytes=1000)))
    assert "too large" in error.reason and "1,000" in error.reason


def test_unreadable_file(tmp_path):
    path = tmp_path / "gone.txt"
    path.symlink_to(tmp_path / "missing-target.txt")
    error = only_error(read(path))
    assert "unreadable" in error.reason


def test_missing_path_and_empty_glob(tmp_path):
    assert "no such file" in only_error(read(tmp_path / "nope.txt")).reason
    assert "no file matches" in only_error(read(f"{tmp_path}/*.nothing")).reason


def test_folder_is_recursive_and_sorted_glob_works(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "b.txt").write_text(ARTICLE + " B")
    (tmp_path / "sub" / "a.txt").write_text(ARTICLE + " A")
    (tmp_path / "sub" / "deeper" / "c.jsonl").write_text(json.dumps({"text": ARTICLE}) + "\n")
    (tmp_path / "sub" / "notes.md").write_text("ignored: not an article format")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("hidden")
    docs = read(tmp_path)
    assert all(isinstance(d, SourceDocument) for d in docs)
    assert sorted(Path(d.path.split(":")[0]).name for d in docs) == ["a.txt", "b.txt", "c.jsonl"]
    globbed = read(f"{tmp_path}/**/*.txt")
    assert sorted(Path(d.path).name for d in globbed) == ["a.txt", "b.txt"]


def test_stdin_is_read_as_txt():
    stream = io.StringIO(f"title: From a pipe\n\n{ARTICLE}")
    [doc] = read("-", stdin=stream)
    assert doc.path == "<stdin>"
    assert doc.metadata.title == "From a pipe"
    assert doc.text.strip() == ARTICLE
