"""Stage 0: names resolved inside one document (docs/domain.md, Identity)."""

from __future__ import annotations

from statements.nlp import extract

TEXT = (
    "Sheikh Qais al-Khazali, Secretary-General of Iraq’s Asa’ib Ahl al-Haq movement, met "
    "diplomats on Monday. Khazali said that the withdrawal was essential. "
    "Hawre Tawfiq spoke to reporters later. He stated that the talks had failed."
)


def test_honorific_is_not_part_of_the_name(nlp):
    extraction = extract(TEXT, nlp=nlp)
    khazali = [e for e in extraction.entities if e.name == "Qais al-Khazali"]
    assert khazali and khazali[0].honorific_prefix == "Sheikh"
    assert khazali[0].kind == "person"


def test_surname_resolves_to_full_name(nlp):
    statement = next(s for s in extract(TEXT, nlp=nlp).statements if s.cue == "said")
    assert statement.speaker_text == "Khazali"
    assert statement.speaker_resolved == "Qais al-Khazali"


def test_pronoun_resolves_to_last_person_in_subject_position(nlp):
    statement = next(s for s in extract(TEXT, nlp=nlp).statements if s.cue == "stated")
    assert statement.speaker_text == "He"
    assert statement.speaker_resolved == "Hawre Tawfiq"


def test_head_noun_makes_an_organisation(nlp):
    organisations = {
        e.name: e.classification for e in extract(TEXT, nlp=nlp).entities if e.kind != "person"
    }
    assert organisations.get("Asa’ib Ahl al-Haq") == "movement"


def test_mentions_point_into_the_text(nlp):
    extraction = extract(TEXT, nlp=nlp)
    assert extraction.mentions
    for mention in extraction.mentions:
        assert TEXT[mention.start : mention.end] == mention.text


# ------------------------------------------------------------------ identity rules


def speakers(text: str, nlp) -> dict[str, str | None]:
    """Cue -> the resolved speaker's name, for each statement of ``text``."""
    return {s.cue: s.speaker_resolved for s in extract(text, nlp=nlp).statements}


def names(text: str, nlp, kind: str | None = None) -> set[str]:
    return {e.name for e in extract(text, nlp=nlp).entities if kind in (None, e.kind)}


def test_apposition_before_the_name_names_the_speaker(nlp):
    text = "The President, Elena Rossi, said the talks had failed."
    assert speakers(text, nlp) == {"said": "Elena Rossi"}
    text = "The Canadian trade minister, Sophie Tremblay, warned that tariffs would rise."
    assert speakers(text, nlp) == {"warned": "Sophie Tremblay"}


def test_apposition_after_the_name_and_a_following_pronoun(nlp):
    text = (
        "The World Food Programme's country director, Henrik Larsen, said aid was late. "
        "Larsen, the director, said convoys were stuck. "
        "He called on donor governments to pay."
    )
    found = speakers(text, nlp)
    assert set(found.values()) == {"Henrik Larsen"}


def test_description_resolves_to_the_actor_given_that_title(nlp):
    text = (
        "Mayor Anne Hidalgo opened the bridge on Monday with Pierre Dubois. "
        "The mayor said the work had taken two years."
    )
    assert speakers(text, nlp)["said"] == "Anne Hidalgo"


def test_honorific_gender_picks_the_right_namesake(nlp):
    text = (
        "Hillary Clinton and Bill Clinton arrived in Ohio. "
        "Mrs. Clinton said the tour would go on. Mr. Clinton insisted it would not."
    )
    found = speakers(text, nlp)
    assert found["said"] == "Hillary Clinton"
    assert found["insisted"] == "Bill Clinton"


def test_pronouns_agree_in_gender(nlp):
    text = (
        "Maria Lopez met Thomas Berg in Madrid. "
        "She said the agreement was ready. He stated that it was not."
    )
    found = speakers(text, nlp)
    assert found == {"said": "Maria Lopez", "stated": "Thomas Berg"}


def test_headlines_datelines_and_possessives_are_never_names(nlp):
    text = (
        "Rossi Says Talks Will Resume Soon\n"
        "ROME (AP) — Elena Rossi’s office said on Monday that talks would resume. "
        "Rossi said she was confident."
    )
    found = names(text, nlp)
    assert "Elena Rossi" in found
    assert not found & {"Rossi Says", "Elena Rossi’s", "ROME", "Rome"}


def test_cities_and_us_states_are_places_and_capitals_speak_for_their_state(nlp):
    text = (
        "Officials in Toledo and Florida said the count was slow. "
        "Moscow said the report was false. The Kremlin denied that troops had moved."
    )
    organisations = names(text, nlp, "organisation")
    assert organisations == {"Russia"}
    found = speakers(text, nlp)
    assert found["said"] is None or found.get("denied") == "Russia"
    assert found["denied"] == "Russia"


def test_acronyms_and_dotted_forms_are_one_organisation(nlp):
    text = (
        "The Federal Bureau of Investigation said the inquiry was closed. "
        "The F.B.I. added that no charges would follow. The FBI declined to comment."
    )
    extraction = extract(text, nlp=nlp)
    (fbi,) = [e for e in extraction.entities if e.kind == "organisation"]
    assert fbi.name == "Federal Bureau of Investigation"
    assert {"F.B.I.", "FBI"} <= set(fbi.aliases)


def test_dateline_place_is_not_an_organisation(nlp):
    text = (
        "Ayotte keeps her distance\n\n"
        "CONCORD, N.H. (AP) — Republican Sen. Kelly Ayotte said Tuesday that she will not "
        "support the nominee.\n\n"
        "The state party said it would meet in Concord on Friday."
    )
    names = {e.name for e in extract(text, nlp=nlp).entities}
    assert "CONCORD" not in names
    assert "Kelly Ayotte" in names


def test_capitalised_organisation_opening_a_sentence_stays_an_organisation(nlp):
    text = "NATO said on Monday that it would send more troops to the region."
    names = {e.name for e in extract(text, nlp=nlp).entities if e.kind == "organisation"}
    assert names == {"North Atlantic Treaty Organization"}


def test_a_surname_of_two_words_joins_the_full_name_read_later(nlp):
    text = (
        "De Blasio says the blast was deliberate\n"
        "An explosion injured nine people, Mayor Bill de Blasio said on Sunday. "
        "De Blasio said there was no link to terrorism."
    )
    extraction = extract(text, nlp=nlp)
    assert {e.name for e in extraction.entities if e.kind == "person"} == {"Bill de Blasio"}
    assert {s.speaker_resolved for s in extraction.statements} == {"Bill de Blasio"}


def test_the_tail_of_a_full_name_is_that_person_and_never_trims_its_given_name(nlp):
    text = (
        "Ildefonso Guajardo Villarreal, the economy minister, spoke on Monday. "
        "Mr. Guajardo Villarreal said the talks would go on."
    )
    extraction = extract(text, nlp=nlp)
    people = {e.name for e in extraction.entities if e.kind == "person"}
    assert people == {"Ildefonso Guajardo Villarreal"}
    said = next(s for s in extraction.statements if s.cue == "said")
    assert said.speaker_resolved == "Ildefonso Guajardo Villarreal"


def test_an_organisation_description_is_the_latest_organisation_holding_that_noun(nlp):
    text = (
        "The Commission on Presidential Debates met on Friday. "
        "The commission said there had been problems with the sound."
    )
    assert speakers(text, nlp)["said"] == "Commission on Presidential Debates"
    text = (
        "The Trump campaign and the Clinton campaign traded blows on Monday. "
        "The campaign said it had hired 40 organisers."
    )
    assert speakers(text, nlp)["said"] is None  # two campaigns: no guess


def test_it_as_the_subject_of_a_speech_verb_is_the_organisation_just_read_as_subject(nlp):
    text = "The World Bank published figures on Tuesday. It said poverty had fallen."
    assert speakers(text, nlp) == {"said": "World Bank"}
    text = "The World Bank met in Lima, and Brazil hosted the talks. It said trade had grown."
    assert speakers(text, nlp).get("said") is None  # a state in between
    text = (
        "The World Bank met in Peru. Delegates arrived late. Rain fell all day. The food was "
        "cold. It said trade had grown."
    )
    assert speakers(text, nlp).get("said") is None  # too far back


def test_a_possessive_pronoun_names_the_speaker_of_a_nominal_cue(nlp):
    text = "Donald Trump spoke to reporters. His claim that the election was rigged drew fire."
    statement = next(s for s in extract(text, nlp=nlp).statements if s.speaker_text == "His")
    assert statement.speaker_resolved == "Donald Trump"


def test_a_work_speaks_for_its_author(nlp):
    cases = {
        "The International Monetary Fund met in Washington. "
        "The IMF report said growth would slow.": "International Monetary Fund",
        "The Republican National Committee met on Monday. A web video by the Republican "
        "National Committee says the plan failed.": "Republican National Committee",
        "Ivana Trump filed papers on Monday. Ivana Trump's brief argued that the records "
        "should stay sealed.": "Ivana Trump",
    }
    for text, author in cases.items():
        assert set(speakers(text, nlp).values()) == {author}, text


def test_title_abbreviations_answer_to_descriptions(nlp):
    text = (
        "Indiana Gov. Mike Pence spoke in Ohio on Monday with Tim Kaine. "
        "The governor said taxes would fall."
    )
    assert speakers(text, nlp)["said"] == "Mike Pence"
    text = (
        "Sen. Bernie Sanders (I-Vt.) met voters on Monday with Hillary Clinton. "
        "The Vermont senator said the economy was rigged."
    )
    assert speakers(text, nlp)["said"] == "Bernie Sanders"


def test_a_description_is_not_a_protagonist_known_by_another_role(nlp):
    text = (
        "Judge Frank Nervo ruled on Thursday. Nervo said the records stayed sealed. "
        "Nervo added that the case was closed. The nominee insisted the ruling was unfair."
    )
    assert speakers(text, nlp)["insisted"] is None


def test_a_headline_name_is_the_person_the_body_names(nlp):
    text = (
        "Christie Calls Clinton A Disgrace Over Police Comments\n"
        "New Jersey Gov. Chris Christie spoke on Monday. He said the comments were wrong."
    )
    extraction = extract(text, nlp=nlp)
    assert "Christie Calls Clinton" not in {e.name for e in extraction.entities}
    headline = next(s for s in extraction.statements if s.cue == "Calls")
    assert headline.speaker_resolved == "Chris Christie"


def test_a_gendered_title_outweighs_the_given_name(nlp):
    text = "“The veto is wrong,” said widow Terry Strada. She said the families would go to court."
    found = {s.cue: s.speaker_resolved for s in extract(text, nlp=nlp).statements}
    assert found == {"said": "Terry Strada"}


def test_a_known_organisation_the_tagger_takes_for_a_person_is_an_organisation(nlp):
    text = "Twitter said the account was suspended. RT said the report was false."
    extraction = extract(text, nlp=nlp)
    assert {e.name: e.kind for e in extraction.entities} == {
        "Twitter": "organisation",
        "RT": "organisation",
    }


def test_a_pronoun_continues_the_main_clause_subject_before_an_embedded_one(nlp):
    text = (
        "White House press secretary Josh Earnest said President Barack Obama would veto "
        "the bill. He said the bill was flawed."
    )
    statements = extract(text, nlp=nlp).statements
    assert [s.speaker_resolved for s in statements] == ["Josh Earnest", "Josh Earnest"]


def test_a_surname_the_tagger_missed_keeps_its_given_name(nlp):
    text = (
        "The rule was mentioned by Ivanka Trump in an interview. Donald Trump spoke on Monday.\n"
        "Ivanka Trump, the Republican presidential nominee's eldest daughter, noted the rule "
        "in the interview last week. She said fathers would get leave."
    )
    found = {s.cue: s.speaker_resolved for s in extract(text, nlp=nlp).statements}
    assert found["noted"] == "Ivanka Trump"
    assert found["said"] == "Ivanka Trump"


def test_a_description_with_a_party_is_not_a_person_of_another_party(nlp):
    text = (
        "Democratic nominee Jane Ellery spoke in Iowa. Republican nominee Tom Harker spoke "
        "in Ohio. The Democratic nominee said taxes would fall."
    )
    assert speakers(text, nlp)["said"] == "Jane Ellery"
    text = (
        "Republican nominee Tom Harker spoke in Ohio. The Democratic nominee said taxes would fall."
    )
    assert speakers(text, nlp)["said"] is None  # the only nominee named is a Republican


def test_a_possessive_in_front_of_an_apposition_gives_the_name_no_gender(nlp):
    text = (
        "Tom Harker spoke in Ohio. He attacked his Democratic opponent, Jane Ellery, on "
        "Monday. Ellery said the attack was a distraction."
    )
    genders = {e.name: e.gender for e in extract(text, nlp=nlp).entities}
    assert genders["Jane Ellery"] == "female"


def test_a_description_no_one_holds_continues_the_current_subject(nlp):
    text = (
        "Mara Velden says she has big plans for the final month. The Republican presidential "
        "nominee noted that her campaign had raised money."
    )
    assert speakers(text, nlp)["noted"] == "Mara Velden"
    text = (
        "Judge Frank Nervo ruled on Thursday. Nervo said the records stayed sealed. "
        "The nominee insisted the ruling was unfair."
    )
    assert speakers(text, nlp)["insisted"] is None  # a judge is not "the nominee"


def test_a_party_word_alone_is_the_person_of_that_party(nlp):
    text = (
        "Republican Tom Harker spoke in Ohio on Monday. Democrat Jane Ellery met voters in "
        "Iowa. The Republican also said that taxes would fall."
    )
    assert speakers(text, nlp)["said"] == "Tom Harker"


def test_a_bare_surname_keeps_the_person_it_designated(nlp):
    text = (
        "Donald Trump proposed paid leave on Monday. Trump said mothers would get six weeks. "
        "Ivanka Trump, his daughter, defended the plan. Ivanka Trump said it was fair. "
        "Ivanka Trump added that fathers were left out. Trump says he would pay for it."
    )
    found = [(s.cue, s.speaker_resolved) for s in extract(text, nlp=nlp).statements]
    assert ("defended", "Ivanka Trump") in found
    assert ("says", "Donald Trump") in found
    assert ("said", "Donald Trump") in found


def test_a_possessive_in_the_clause_tells_namesakes_apart(nlp):
    text = (
        "Hillary Clinton was ill. Her doctor served under former President Bill Clinton. "
        "The doctor said that in 1998, Clinton allowed her staff to hide the illness. "
        "Clinton wrote that the clot was large."
    )
    assert speakers(text, nlp)["wrote"] == "Hillary Clinton"


def test_of_two_campaigns_the_campaign_is_the_one_whose_candidate_was_just_named(nlp):
    text = (
        "The Trump campaign and the Clinton campaign both bought ads on Monday. "
        "Hillary Clinton plans to call on young people to serve. "
        "The campaign says the program will be large."
    )
    assert speakers(text, nlp)["says"] == "Clinton campaign"
    text = (
        "Phil Lovas, the state's campaign chairman, declined to comment. The Trump campaign "
        "bought ads on Monday. The campaign says the ad will air nationally."
    )
    assert speakers(text, nlp)["says"] == "Trump campaign"  # not the campaign's chairman


def test_a_name_inside_a_quotation_is_not_the_speaker_pronoun(nlp):
    text = (
        "Mr. Obama leaves a divisive legacy. All of this, he acknowledges, could be undone. "
        '"I think that if Donald Trump is elected, you have a big shift," he said.'
    )
    statements = extract(text, nlp=nlp).statements
    said = next(s for s in statements if s.cue == "said")
    assert said.speaker_resolved == "Obama"


def test_a_pronoun_with_no_subject_to_continue_is_the_person_named_in_its_sentence(nlp):
    text = (
        "Part of the network President Vladimir Putin formed. These are the times of "
        "Donald J. Trump, who sat for an interview. Democrats seized upon Mr. Trump's "
        "appearance, in which he said he was skeptical of intelligence officials."
    )
    assert speakers(text, nlp)["said"] == "Donald J. Trump"


def test_a_pronoun_is_the_one_person_of_its_gender_named_in_the_sentence_before(nlp):
    text = (
        "Many savers would lose out, said Nora Lindqvist.\n\n"
        "It has become a major issue, with Greta Halvorsen lambasting the plan.\n\n"
        '"The plan is a gift to the rich," she said in the debate.'
    )
    assert speakers(text, nlp)["said"] == "Greta Halvorsen"


def test_quotation_ranges_pair_curly_marks_and_even_straight_ones():
    from statements.nlp.components.coreference import quotation_ranges

    text = '“One,” she said. "Two" and "three".\n"A quoted paragraph opens alone.'
    ranges = quotation_ranges(text)
    assert [text[start + 1 : end] for start, end in ranges] == ["One,", "Two", "three"]


def test_a_title_line_and_the_lead_describe_the_one_person_later_given_that_title(nlp):
    text = (
        "Judge rejects request to unseal divorce file.\n"
        "A New York judge has rejected a media request to make the divorce file public. "
        "Manhattan Supreme Court Justice Frank Nervo rejected that argument in a ruling. "
        "The judge agreed that there was no reason to unseal it."
    )
    assert speakers(text, nlp) == {
        "rejects": "Frank Nervo",
        "rejected": "Frank Nervo",
        "agreed": "Frank Nervo",
    }
    text = (
        "Senator says he backs the plan.\n"
        "A senator said on Monday that he backs the plan. Sen. Tom Harker spoke in Ohio. "
        "Sen. Jane Ellery spoke in Iowa."
    )
    assert set(speakers(text, nlp).values()) == {None}  # two senators: no guess


def test_a_leads_indefinite_description_is_the_person_the_quotation_after_it_names(nlp):
    text = (
        "Former party chairman calls for a plan.\n\n"
        "A former party chairman says the leaders should come up with a plan at once.\n\n"
        '"Now is the time to act," said Walter Brisbane, who led the party in the 1990s.'
    )
    assert speakers(text, nlp)["says"] == "Walter Brisbane"


def test_the_candidate_is_the_person_a_campaign_of_the_story_is_named_after(nlp):
    text = (
        "Mara Velden's new proposal was praised on Monday. Velden's plan would cover "
        "single mothers. Ivan Velden, the Republican nominee's eldest son, defended it. "
        "The Velden campaign published a document. Aparna Mathur said the rules were vague. "
        "The GOP candidate proposes allowing parents to deduct costs."
    )
    found = {s.cue: s.speaker_resolved for s in extract(text, nlp=nlp).statements}
    assert found["proposes"] == "Mara Velden"


def test_a_name_with_a_middle_initial_is_a_person_whatever_the_tagger_says(nlp):
    text = '"Absolutely hate this framing," Vann R. Newkirk II, a writer for The Atlantic, said.'
    extraction = extract(text, nlp=nlp)
    assert {e.name: e.kind for e in extraction.entities}.get("Vann R. Newkirk II") == "person"


def test_an_untagged_subject_ending_with_a_surname_written_alone_is_a_person(nlp):
    text = (
        "Trump's favorite TV doctor has critics.\n\n"
        "Dov Ozer has been called a charlatan by fellow physicians. Ozer said the charges "
        "were false. For years, Ozer has been dogged by charges that he has perpetuated bad "
        "advice on his show. He has promoted unproven therapies, the critics said."
    )
    extraction = extract(text, nlp=nlp)
    assert {e.name: e.kind for e in extraction.entities}.get("Dov Ozer") == "person"
    promoted = [s.speaker_resolved for s in extraction.statements if s.cue == "promoted"]
    assert promoted in ([], ["Dov Ozer"])


def test_a_persons_team_or_campaign_is_her_campaign(nlp):
    text = (
        "Jane Holloway is running for governor. The Holloway campaign opened an office in "
        "Dayton on Monday. Holloway’s team said that she would visit Akron next week. "
        "Later, her campaign said that the office would stay open all night."
    )
    extraction = extract(text, nlp=nlp)
    speakers = {s.speaker_text: s.speaker_resolved for s in extraction.statements}
    assert speakers.get("Holloway’s team") == "Holloway campaign"
    assert speakers.get("her campaign") == "Holloway campaign"
    campaigns = [e.name for e in extraction.entities if "Holloway" in e.name and e.kind != "person"]
    assert campaigns == ["Holloway campaign"]


def test_an_unknown_given_name_before_a_tagged_given_name_is_part_of_the_name(nlp):
    # The tagger marks only "Joseph", a common given name, as the person.
    text = (
        "Orelize Joseph loves the school her son attends. “We need the money,” said Joseph, "
        "who has three children."
    )
    assert speakers(text, nlp)["said"] == "Orelize Joseph"


def test_a_title_before_a_given_name_is_not_taken_for_a_missed_given_name(nlp):
    text = "Pastor Joseph said the shelter would open on Monday."
    assert "Pastor Joseph" not in names(text, nlp, "person")
