"""Stage 3: roles from appositions and pre-modifiers, with current / former status."""

from __future__ import annotations

from statements.nlp import extract


def roles_by_person(extraction) -> dict[str, list]:
    names = {entity.key: entity.name for entity in extraction.entities}
    out: dict[str, list] = {}
    for role in extraction.roles:
        out.setdefault(names[role.person_key], []).append(role)
    return out


def test_apposition_with_organisation(nlp):
    text = (
        "Hawre Tawfiq, General Director of Foreign Relations for the Iraqi Presidency, "
        "voiced concerns."
    )
    (role,) = roles_by_person(extract(text, nlp=nlp))["Hawre Tawfiq"]
    assert role.role == "General Director of Foreign Relations"
    assert role.organisation_name == "Iraqi Presidency"
    assert role.status == "current"
    assert text[role.start : role.end] == role.text


def test_premodifier_and_former_status(nlp):
    text = (
        "Khazali met the newly appointed Turkish ambassador to Iraq Anıl Bora İnan, and "
        "Turkish foreign ministry official Ali Rıza Güney, the previous ambassador."
    )
    roles = roles_by_person(extract(text, nlp=nlp))
    (inan,) = roles["Anıl Bora İnan"]
    assert inan.role == "Ambassador to Iraq"
    assert inan.status == "current"
    guney = {role.role: role for role in roles["Ali Rıza Güney"]}
    assert guney["foreign ministry official"].organisation_name == "Turkish foreign ministry"
    # "the previous ambassador" is the role stated in full just before, held earlier
    assert guney["Ambassador to Iraq"].status == "former"
    assert guney["Ambassador to Iraq"].organisation_name == "Turkey"


def test_roles_from_appositions_before_the_name_and_possessives(nlp):
    text = "The WFP's country director, Henrik Larsen, said aid was late."
    (role,) = roles_by_person(extract(text, nlp=nlp))["Henrik Larsen"]
    assert (role.role, role.organisation_name) == ("country director", "World Food Programme")
    text = "The Canadian trade minister, Sophie Tremblay, warned that tariffs would rise."
    (role,) = roles_by_person(extract(text, nlp=nlp))["Sophie Tremblay"]
    assert (role.role, role.organisation_name) == ("trade minister", "Canada")


def test_premodifier_roles_never_swallow_words_outside_the_noun_phrase(nlp):
    text = "He is not as cool as President Elena Rossi, the editor said."
    assert [r.role for r in roles_by_person(extract(text, nlp=nlp))["Elena Rossi"]] == ["President"]
    text = "Commerce Secretary David Lin said exports rose. MEP Klaus Weber agreed."
    roles = roles_by_person(extract(text, nlp=nlp))
    assert [r.role for r in roles["David Lin"]] == ["Commerce Secretary"]
    assert [r.role for r in roles["Klaus Weber"]] == ["MEP"]


def test_who_served_as_gives_a_former_role_and_who_serves_as_a_current_one(nlp):
    text = "Mark Jones, who served as ambassador to France, said the treaty was weak."
    (role,) = roles_by_person(extract(text, nlp=nlp))["Mark Jones"]
    # the host country is part of the role; the sending state is not named
    assert (role.role, role.organisation_name, role.status) == (
        "Ambassador to France",
        "",
        "former",
    )
    text = "Anna Berg, who serves as director of the World Health Organization, said so."
    (role,) = roles_by_person(extract(text, nlp=nlp))["Anna Berg"]
    assert (role.role, role.organisation_name, role.status) == (
        "Director",
        "World Health Organization",
        "current",
    )


def test_a_portfolio_before_a_role_word_is_the_office_not_an_organisation(nlp):
    text = (
        "Commerce Secretary David Lin said tariffs would rise. "
        "Interior Minister Omar Haddad said the roads were closed."
    )
    extraction = extract(text, nlp=nlp)
    assert not [e for e in extraction.entities if e.kind == "organisation"]
    roles = roles_by_person(extraction)
    assert [r.role for r in roles["David Lin"]] == ["Commerce Secretary"]
    assert [r.role for r in roles["Omar Haddad"]] == ["Interior Minister"]
