"""Rule semantics, checked on both evaluators: order, override, tags, stop, defaults,
condition groups, Unicode case folding and whole-word matching."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st


def subject_has(word: str) -> dict:
    return {"field": "subject", "contains": word}


def test_nothing_matches_gives_defaults(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("a", 10, subject_has("vpn"), category="network")],
                          defaults={"category": "misc", "priority": "P4"})
    decision = classify(ruleset, {"subject": "hello"})
    assert (decision.department, decision.category, decision.priority, decision.tags, decision.matched) == (
        None, "misc", "P4", (), ())
    assert decision.rules_version == ruleset.version


def test_defaults_default_to_general_and_p3(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("a", 10, subject_has("vpn"), tags=["x"])])
    decision = classify(ruleset, {"subject": "vpn"})
    assert (decision.category, decision.priority, decision.tags) == ("general", "P3", ("x",))


def test_rules_run_in_priority_order_not_file_order(classify, rule, ruleset_of):
    rules = [
        rule("written-first", 20, subject_has("vpn"), category="late", priority="P2"),
        rule("written-second", 10, subject_has("vpn"), category="early", priority="P4", department="it"),
    ]
    decision = classify(ruleset_of(rules), {"subject": "VPN down"})
    assert [match.rule for match in decision.matched] == ["written-second", "written-first"]
    assert (decision.category, decision.priority, decision.department) == ("late", "P2", "it")


def test_later_rule_overrides_only_the_scalars_it_sets(classify, rule, ruleset_of):
    rules = [
        rule("first", 1, subject_has("printer"), department="facilities", category="printing", priority="P2"),
        rule("second", 2, subject_has("printer"), priority="P4"),
    ]
    decision = classify(ruleset_of(rules), {"subject": "printer jam"})
    assert (decision.department, decision.category, decision.priority) == ("facilities", "printing", "P4")


def test_tags_accumulate_in_order_without_duplicates(classify, rule, ruleset_of):
    rules = [
        rule("a", 1, subject_has("x"), tags=["one", "two"]),
        rule("b", 2, subject_has("y"), tags=["never"]),
        rule("c", 3, subject_has("x"), tags=["two", "three", "one"]),
    ]
    assert classify(ruleset_of(rules), {"subject": "x"}).tags == ("one", "two", "three")


def test_stop_ends_evaluation_after_a_matching_rule(classify, rule, ruleset_of):
    rules = [
        rule("a", 1, subject_has("x"), tags=["a"]),
        rule("stopper", 2, subject_has("x"), stop=True, category="stopped"),
        rule("after", 3, subject_has("x"), category="after", tags=["after"]),
    ]
    decision = classify(ruleset_of(rules), {"subject": "x"})
    assert [match.rule for match in decision.matched] == ["a", "stopper"]
    assert (decision.category, decision.tags) == ("stopped", ("a",))


def test_stop_on_a_rule_that_does_not_match_changes_nothing(classify, rule, ruleset_of):
    rules = [
        rule("stopper", 1, subject_has("nomatch"), stop=True),
        rule("after", 2, subject_has("x"), category="after"),
    ]
    assert classify(ruleset_of(rules), {"subject": "x"}).category == "after"


def test_nested_all_any_not(classify, rule, ruleset_of):
    when = {"all": [
        {"field": "department", "equals": "it"},
        {"any": [subject_has("vpn"), {"field": "body", "contains_any": ["remote access", "tunnel"]}]},
        {"not": {"any": [subject_has("test"), {"field": "attachment_count", "gt": 2}]}},
    ]}
    ruleset = ruleset_of([rule("nested", 1, when, category="network")])
    cases = [
        ({"department": "it", "subject": "VPN broken"}, True),
        ({"department": "it", "subject": "help", "body": "remote   access fails"}, True),
        ({"department": "hr", "subject": "VPN broken"}, False),
        ({"department": "it", "subject": "VPN test"}, False),
        ({"department": "it", "subject": "VPN", "attachment_count": 3}, False),
        ({"department": "it", "subject": "VPN", "attachment_count": 2}, True),
        ({"department": "it", "subject": "nothing"}, False),
    ]
    for facts, expected in cases:
        assert (classify(ruleset, facts).category == "network") is expected, facts


def test_double_negation(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("a", 1, {"not": {"not": subject_has("x")}}, category="c")])
    assert classify(ruleset, {"subject": "x"}).category == "c"
    assert classify(ruleset, {"subject": "y"}).category == "general"


def test_unicode_case_folding(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("cv", 1, {"field": "subject", "contains": "résumé"}, tags=["cv"]),
        rule("street", 2, {"field": "body", "contains": "STRASSE"}, tags=["street"]),
        rule("full-width", 3, {"field": "subject", "contains": "vpn"}, tags=["vpn"]),
    ])
    assert classify(ruleset, {"subject": "My RÉSUMÉ attached"}).tags == ("cv",)
    assert classify(ruleset, {"subject": "My Re\u0301sume\u0301"}).tags == ("cv",)  # decomposed accents
    assert classify(ruleset, {"body": "Lange Straße 5"}).tags == ("street",)
    assert classify(ruleset, {"subject": "ＶＰＮ broken"}).tags == ("vpn",)  # full-width letters
    assert classify(ruleset, {"subject": "resume"}).tags == ()


def test_contains_matches_whole_words_and_phrases(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("down", 1, subject_has("down"), tags=["down"]),
        rule("log-in", 2, {"field": "body", "contains": "log in"}, tags=["log-in"]),
    ])
    assert classify(ruleset, {"subject": "Server down!"}).tags == ("down",)
    assert classify(ruleset, {"subject": "download speed"}).tags == ()
    assert classify(ruleset, {"subject": "breakdown"}).tags == ()
    assert classify(ruleset, {"body": "I cannot log\n  in today"}).tags == ("log-in",)
    assert classify(ruleset, {"body": "login failed"}).tags == ()
    assert classify(ruleset, {"body": "log inside"}).tags == ()


def test_keywords_in_german_french_and_japanese(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("de", 1, {"field": "subject", "contains": "Störung"}, tags=["de"]),
        rule("fr", 2, {"field": "subject", "contains_any": ["congé", "arrêt maladie"]}, tags=["fr"]),
        rule("ja", 3, {"field": "body", "contains": "ダウン"}, tags=["ja"]),
    ])
    assert classify(ruleset, {"subject": "STÖRUNG im Netz"}).tags == ("de",)
    assert classify(ruleset, {"subject": "Demande de CONGÉ"}).tags == ("fr",)
    assert classify(ruleset, {"subject": "Arrêt   maladie"}).tags == ("fr",)
    assert classify(ruleset, {"body": "サーバーがダウンしました"}).tags == ("ja",)  # no spaces between words


def test_turkish_dotted_capital_i_folds_to_i(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("ist", 1, {"field": "subject", "contains": "istanbul"}, tags=["ist"]),
        rule("izmir", 2, {"field": "body", "equals": "İZMİR"}, tags=["izmir"]),
    ])
    assert classify(ruleset, {"subject": "İSTANBUL ofisi"}).tags == ("ist",)
    assert classify(ruleset, {"subject": "İstanbul"}).tags == ("ist",)
    assert classify(ruleset, {"subject": "Istanbul"}).tags == ("ist",)
    assert classify(ruleset, {"body": " izmir "}).tags == ("izmir",)
    assert classify(ruleset, {"body": "İzmir"}).tags == ("izmir",)


def test_a_keyword_edge_that_is_punctuation_or_a_symbol_needs_no_word_boundary(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("exe", 1, {"field": "attachment_types", "contains": ".exe"}, tags=["exe"]),
        rule("fire", 2, {"field": "subject", "contains": "🔥"}, tags=["fire"]),
        rule("cpp", 3, {"field": "subject", "contains_any": ["c++", "#urgent"]}, tags=["cpp"]),
        rule("money", 4, {"field": "body", "contains": "$100"}, tags=["money"]),
    ])
    assert classify(ruleset, {"attachment_types": "application/octet-stream Setup.EXE"}).tags == ("exe",)
    assert classify(ruleset, {"attachment_types": "application/octet-stream setup.exe.txt"}).tags == ("exe",)
    assert classify(ruleset, {"attachment_types": "text/plain setup.executive.txt"}).tags == ()
    assert classify(ruleset, {"subject": "server🔥now"}).tags == ("fire",)
    assert classify(ruleset, {"subject": "C++ build"}).tags == ("cpp",)
    assert classify(ruleset, {"subject": "abc++ build"}).tags == ()  # the word edge still needs its boundary
    assert classify(ruleset, {"subject": "help #URGENT"}).tags == ("cpp",)
    assert classify(ruleset, {"body": "costs US$100."}).tags == ("money",)
    assert classify(ruleset, {"body": "costs $1000"}).tags == ()


def test_a_keyword_that_is_an_address_is_found_only_as_a_whole_address(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("ceo", 1, {"field": "cc", "contains_any": ["Boss@Corp.Example", "board"]}, tags=["ceo"])])
    for cc in ("BOSS@corp.example", "Anna <anna@corp.example>, Boss <boss@corp.example>", "boss@corp.example.",
               "mailto:boss@corp.example"):
        assert classify(ruleset, {"cc": cc}).tags == ("ceo",), cc
    for cc in ("vice.boss@corp.example", "boss@corp.example.evil", "big-boss@corp.example", "x+boss@corp.example",
               "boss@corp.example-mail.example"):
        assert classify(ruleset, {"cc": cc}).tags == (), cc


def test_combining_marks_belong_to_their_word_and_thai_has_no_word_boundaries(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("hi", 1, {"field": "subject", "contains": "नमस"}, tags=["hi"]),
        rule("namaste", 2, {"field": "subject", "contains": "नमस्ते"}, tags=["namaste"]),
        rule("th", 3, {"field": "body", "contains": "ด่วน"}, tags=["th"]),
        rule("q", 4, {"field": "body", "contains": "q"}, tags=["q"]),
    ])
    assert classify(ruleset, {"subject": "नमस्ते दुनिया"}).tags == ("namaste",)  # not the shorter नमस
    assert classify(ruleset, {"subject": "नमस कहो"}).tags == ("hi",)
    assert classify(ruleset, {"body": "งานด่วนมาก"}).tags == ("th",)  # Thai is written without spaces
    assert classify(ruleset, {"body": "q\u0303 is not q"}).tags == ("q",)
    assert classify(ruleset, {"body": "q\u0303"}).tags == ()  # q with a tilde NFKC cannot compose


def test_equals_one_of_exists_and_numbers(classify, rule, ruleset_of):
    ruleset = ruleset_of([
        rule("dept", 1, {"field": "department", "one_of": ["hr", "finance"]}, tags=["office"]),
        rule("normal", 2, {"field": "classification", "equals": "Normal"}, tags=["normal"]),
        rule("no-subject", 3, {"field": "subject", "exists": False}, tags=["no-subject"]),
        rule("many", 4, {"field": "attachment_count", "ge": 3}, tags=["many"]),
        rule("none", 5, {"field": "attachment_count", "equals": 0}, tags=["none"]),
    ])
    decision = classify(ruleset, {"department": "HR", "classification": "normal", "subject": "  ", "attachment_count": 3})
    assert decision.tags == ("office", "normal", "no-subject", "many")
    assert classify(ruleset, {"subject": "x", "attachment_count": 0}).tags == ("none",)
    assert classify(ruleset, {"subject": "x", "attachment_count": "3"}).tags == ()  # not a number: absent


def test_sender_domain_is_derived_from_sender(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("ext", 1, {"not": {"field": "sender_domain", "equals": "corp.example"}}, tags=["ext"])])
    assert classify(ruleset, {"sender": "Ann@Corp.Example"}).tags == ()
    assert classify(ruleset, {"sender": "bob@supplier.example"}).tags == ("ext",)
    assert classify(ruleset, {"sender": "x@supplier.example", "sender_domain": "corp.example"}).tags == ()


def test_matches_is_a_case_insensitive_python_regex(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("po", 1, {"field": "subject", "matches": r"\bPO-\d{4,}\b"}, tags=["po"])])
    assert classify(ruleset, {"subject": "Re: po-12345 approval"}).tags == ("po",)
    assert classify(ruleset, {"subject": "PO-12 approval"}).tags == ()


def test_reasons_say_which_conditions_made_a_rule_match(classify, rule, ruleset_of):
    when = {"all": [
        {"field": "department", "equals": "it"},
        {"any": [{"field": "subject", "contains_any": ["outage", "down"]}, {"field": "body", "contains": "production"}]},
        {"not": {"field": "attachment_count", "gt": 5}},
    ]}
    decision = classify(ruleset_of([rule("it-outage", 1, when, priority="P1")]),
                        {"department": "it", "subject": "Mail is DOWN", "body": "all good"})
    (match,) = decision.matched
    assert match.rule == "it-outage"
    assert match.reasons == ('department equals "it"', 'subject contains "down"', "not attachment_count > 5")


def test_a_decision_has_every_field_and_stays_frozen(classify, rule, ruleset_of):
    """``decide`` fills the frozen Decision without its __init__: the result is the one __init__ would make."""
    import dataclasses

    import pytest

    from rules.decision import Decision

    ruleset = ruleset_of([rule("a", 1, {"field": "subject", "contains": "vpn"}, tags=["vpn"], priority="P2")])
    for facts in ({"subject": "VPN down"}, {}):
        decision = classify(ruleset, facts)
        fields = {field.name: getattr(decision, field.name) for field in dataclasses.fields(Decision)}
        assert vars(decision) == fields  # every field, nothing else
        assert Decision(**fields) == decision and hash(Decision(**fields)) == hash(decision)
        with pytest.raises(dataclasses.FrozenInstanceError):
            decision.priority = "P1"
    assert classify(ruleset, {"subject": "VPN down"}).priority == "P2"


def test_unknown_fact_keys_and_missing_fields_are_harmless(classify, rule, ruleset_of):
    ruleset = ruleset_of([rule("a", 1, {"field": "body", "contains": "x"}, tags=["a"])])
    assert classify(ruleset, {"unrelated": object(), "body": None}).tags == ()


def test_one_word_keywords_are_looked_up_in_the_word_set_with_the_same_results_as_the_regex():
    """A keyword of word characters only is found by a word-set lookup; it finds exactly what its regex finds."""
    import re

    from rules.text import PhraseMatcher, _phrase_pattern, normalise, words

    keywords = ["vpn", "VPN", "résumé", "Straße", "x86_64", "2fa", "e-mail", "c++", "log in", "ダウン",
                "नमस्ते", "ǅemal", " padded ", "休暇", "Windows更新", "更新windows", "請求書 送付"]
    texts = ["VPN down", "vpn-access", "my résumé.", "RESUME", "STRASSE closed", "x86_64 build", "x86", "2FA code",
             "e-mail bounced", "email", "c++ compiler", "log\nin please", "login", "サーバーダウン", "नमस्ते दुनिया",
             "ǄEMAL", "padded", "", "__vpn__", "vpn_", "ünvpn", "来週休暇です", "windows更新中", "xwindows更新",
             "更新windowsx", "請求書  送付", "請求書送付"]
    one_word = {keyword: None if (order := PhraseMatcher([keyword]).word_order()) is None
                else frozenset(word for word, _ in order) for keyword in keywords}
    assert one_word["vpn"] == one_word["VPN"] == frozenset({"vpn"})
    assert one_word["Straße"] == frozenset({"strasse"}) and one_word["x86_64"] == frozenset({"x86_64"})
    for keyword in ("e-mail", "c++", "log in", "ダウン"):
        assert one_word[keyword] is None, keyword  # phrases, punctuation and unspaced scripts keep the regex
    for keyword in keywords:
        regex = re.compile(_phrase_pattern(normalise(keyword)))
        matcher = PhraseMatcher([keyword])
        for text in texts:
            normalised = normalise(text)
            expected = keyword if regex.search(normalised) else None
            assert matcher.find(normalised, words(normalised)) == expected, (keyword, text)
    found = [text for text in texts if PhraseMatcher(["vpn"]).find(normalise(text), words(normalise(text)))]
    assert found == ["VPN down", "vpn-access"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_normalised_by_lowercasing_alone(text):
    """The ASCII shortcut in ``normalise`` gives what NFKC, casefold, NFKC give."""
    import unicodedata

    from rules.text import normalise

    assert normalise(text) == unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    assert normalise(text + "É") == normalise(text) + "é"  # and non-ASCII text still takes the full path


_KEYWORDS = st.sampled_from(["vpn", "VPN", "log in", "e-mail", "休暇", "ダウン", "Windows更新", "請求書 送付",
                             "résumé", "down"])


@settings(max_examples=300, deadline=None)
@given(keywords=st.lists(_KEYWORDS, min_size=1, max_size=5),
       pieces=st.lists(st.sampled_from(["VPN", "vpn2", "log", "in", "login", "e-mail", "来週休暇", "サーバーダウン",
                                        "windows更新", "請求書", "送付", "RÉSUMÉ", "down", "x", "\n", "-"]),
                       max_size=8))
def test_a_keyword_list_split_into_words_and_the_rest_finds_what_the_whole_list_finds(keywords, pieces):
    """``split``: a word among the text's words, a substring in it, or the rest's matcher, exactly when ``find`` finds."""
    from rules.text import PhraseMatcher, normalise, words

    matcher = PhraseMatcher(keywords)
    found, bare, others = matcher.split()
    text = normalise(" ".join(pieces))
    text_words = words(text)
    split_says = (bool(found & text_words) or any(substring in text for substring in bare)
                  or (others is not None and others.find(text, text_words) is not None))
    assert split_says == (matcher.find(text, text_words) is not None)
    if text.isascii():  # what the programs skip: no keyword in an unspaced script is in ASCII text
        assert not any(substring in text for substring in bare)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_split_into_the_words_the_regular_expression_finds(text):
    """The byte-translation shortcut in ``tokens`` gives the words ``\\w+`` finds, in order."""
    import re

    from rules.text import tokens, words

    assert tokens(text) == re.findall(r"\w+", text)
    assert words(text) == frozenset(re.findall(r"\w+", text))
    assert words(text + " é") == frozenset(re.findall(r"\w+", text + " é"))  # non-ASCII: the regex itself


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\u0301\u093f\u0915\u0e48\u0e01.🔥\U0001d400\U000e0101日-")))
def test_text_without_combining_marks_is_split_by_the_plain_word_pattern_with_the_same_words(text):
    """``tokens`` splits text with no combining mark and nothing beyond U+FFFF by ``\\w+``: the words are
    those of the full definition (a word character is ``\\w`` or a combining mark) either way."""
    from rules.text import _WORD, normalise, tokens

    text = normalise(text)
    assert tokens(text) == _WORD.findall(text)
