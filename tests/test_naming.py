"""Matching keys decide identity across documents (docs/domain.md, Identity)."""

from statements.naming import NAME_KEY_MAX_LENGTH, fold_text, name_key, slug_base


def test_name_key_folds_case_accents_apostrophes_and_a_leading_article():
    assert name_key("Anıl Bora İnan") == name_key("anil bora inan")
    assert name_key("Asa’ib Ahl al-Haq") == name_key("Asa'ib Ahl al Haq")
    assert name_key("The Iraqi Presidency") == name_key("Iraqi Presidency")
    assert name_key("Qais al-Khazali") != name_key("Khazali")


def test_name_key_fits_its_column_however_long_the_name():
    assert len(name_key("W" * 20000)) == NAME_KEY_MAX_LENGTH
    # Transliteration can lengthen a name; the key still fits.
    assert len(name_key("北京" * 500)) <= NAME_KEY_MAX_LENGTH


def test_fold_text_and_slug_are_ascii():
    assert fold_text("Güney") == "guney"
    assert slug_base("Ali Rıza Güney") == "ali-riza-guney"
    assert slug_base("<script>") == "script"
    assert slug_base("!!!") == "unnamed"
