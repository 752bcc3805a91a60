"""Moodle question files in and out: the examples of Moodle's GIFT and Aiken documentation come
in intact or are reported with their line; banks written as GIFT and Moodle XML read back the same."""
from dataclasses import replace
from pathlib import Path

import pytest

from trainer.domain.moodle_questions import (
    MAX_BYTES, QuestionFileError, bank_yaml, guess_format, is_bank, read_bank, read_questions, to_gift,
    to_moodle_xml,
)
from trainer.domain.questions import Option, Pair, Question

FIXTURES = Path(__file__).parent.parent / "fixtures" / "moodle"
SHIPPED_BANKS = sorted((Path(__file__).parents[2] / "courses").glob("*/questions/*.yml"))


def gift(text: str, **options):
    return read_questions(text.encode("utf-8"), "gift", **options)


def only(result):
    assert not result.reported, [(p.line, str(p.reason)) for p in result.reported]
    assert len(result.imported) == 1
    return result.imported[0].question


def reasons(result) -> dict[int, str]:
    return {p.line: str(p.reason) for p in result.reported}


# ---------------------------------------------------------------- Moodle's GIFT documentation

@pytest.fixture(scope="module")
def documentation():
    return read_questions((FIXTURES / "gift-documentation.txt").read_bytes(), filename="gift-documentation.txt")


def by_line(result) -> dict:
    return {item.line: item.question for item in result.imported}


def test_every_question_of_the_gift_documentation_comes_in_or_is_reported_with_its_line(documentation):
    assert documentation.format == "gift"
    imported = {line: q.type for line, q in by_line(documentation).items()}
    assert imported == {
        7: "single", 9: "single", 11: "single", 17: "single", 31: "true_false", 33: "true_false",
        37: "matching", 43: "matching", 73: "single", 78: "single", 83: "true_false", 87: "single",
        95: "single", 99: "single", 101: "single", 109: "multiple", 116: "multiple", 124: "single", 129: "single",
        144: "true_false", 146: "single", 151: "matching",
    }
    reported = {p.line: (p.moodle_type, p.name) for p in documentation.reported}
    assert reported == {
        25: ("shortanswer", "Who's buried in Grant's tomb?"), 27: ("shortanswer", "Two plus two equals _____."),
        52: ("numerical", "When was Ulysses S. Grant born?"),
        54: ("numerical", "What is the value of pi (to 3 decimal places)? _____."),
        56: ("numerical", "When was Ulysses S. Grant born?"),
        62: ("essay", "Write a short biography of Dag Hammarskjöld."),
        66: ("description", "You can use your pencil and paper for these next math questions."),
        70: ("shortanswer", "Kanji Origins"), 149: ("shortanswer", "Q3"), 153: ("numerical", "Q5"),
    }
    assert "short-answer questions" in reasons(documentation)[25]
    assert "essay" in reasons(documentation)[62]


def test_multiple_choice_and_missing_word_questions_come_in_intact(documentation):
    questions = by_line(documentation)
    assert questions[7] == Question(
        id="whos-buried-in-grants-tomb", type="single", prompt="Who's buried in Grant's tomb?",
        explanation="The right answer: no one.", options=(Option("Grant"), Option("Jefferson"), Option("no one")),
        correct=(2,))
    assert questions[9].prompt == "Grant is _____ in Grant's tomb."
    assert [o.text for o in questions[9].options] == ["buried", "entombed", "living"] and questions[9].correct == (1,)
    assert questions[11].prompt == "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    assert questions[17].correct == (1,) and len(questions[17].options) == 4
    # A name becomes the id; a line break in the text is kept.
    assert questions[73].id == "thanksgiving-date"
    assert questions[73].prompt == ("The American holiday of Thanksgiving is\ncelebrated on the _____ Thursday of "
                                    "November.")


def test_per_answer_feedback_and_general_feedback_come_in(documentation):
    questions = by_line(documentation)
    assert [(o.text, o.feedback) for o in questions[78].options] == [
        ("wrong answer", "feedback comment on the wrong answer"),
        ("another wrong answer", "feedback comment on this wrong answer"), ("right answer", "Very good!")]
    assert questions[87].explanation == "This is general feedback shown to everyone after the question."
    general = next(item for item in documentation.imported if item.line == 87)
    assert general.notes == ()
    # No general feedback: the explanation names the right answer, and the preview says so.
    assert any("no general feedback" in str(note) for note in next(
        item for item in documentation.imported if item.line == 78).notes)


def test_true_false_with_feedback_for_the_wrong_answer(documentation):
    questions = by_line(documentation)
    assert (questions[31].truth, questions[33].truth) == (False, True)
    # {FALSE#...}: the first feedback is for the wrong answer, true.
    assert questions[83].truth is False
    assert (questions[83].feedback_true, questions[83].feedback_false) == ("No one is buried in Grant's tomb.", "")
    assert questions[83].explanation == "The statement is false."


def test_matching_pairs_come_in(documentation):
    questions = by_line(documentation)
    assert questions[43].pairs == (Pair("Canada", "Ottawa"), Pair("Italy", "Rome"), Pair("Japan", "Tokyo"),
                                   Pair("India", "New Delhi"))
    assert questions[151].pairs == (Pair("cat", "cat food"), Pair("dog", "dog food"))


def test_weights_one_right_answer_keeps_the_full_marks_option_and_says_what_is_lost(documentation):
    questions = by_line(documentation)
    assert questions[99].correct == (2,)
    assert questions[101].prompt == "Jesus Christ was from _____."
    assert questions[101].correct == (3,) and questions[101].options[1].feedback == "He was born here, but not raised here."
    notes = [str(note) for note in next(item for item in documentation.imported if item.line == 101).notes]
    assert "partial credit is not kept: choosing Bethlehem, Galilee earns nothing" in notes[0]


def test_weights_several_right_answers_make_a_multiple_choice_question(documentation):
    questions = by_line(documentation)
    for line in (109, 116):
        assert questions[line].type == "multiple"
        assert [o.text for i, o in enumerate(questions[line].options) if i in questions[line].correct] == [
            "Grant", "Grant's wife"]
    assert questions[109].explanation == "The right answers: Grant; Grant's wife."


def test_escaped_characters(documentation):
    questions = by_line(documentation)
    assert [o.text for o in questions[124].options] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = questions[129]
    assert control.id == "gift-control-characters"
    assert [o.text for o in control.options] == ["~", "=", "#", "{", "}", "\\"] and control.correct == (5,)
    assert control.options[0].feedback == "~ is a control character."
    assert control.options[5].feedback == ("Correct! \\ (backslash) is not a control character. BUT,\n"
                                           "it is used to escape the control characters.")


def test_markdown_text_is_rendered_to_text(documentation):
    assert by_line(documentation)[95].prompt == "Who's buried in Grant's tomb?"


def test_categories_are_kept_and_names_that_are_ids_stay_ids(documentation):
    items = {item.line: item for item in documentation.imported}
    assert items[144].category == "tom/dick/harry" and items[7].category == ""
    assert items[144].question.id == "Q1" and items[144].question.prompt == "1+1=2"
    assert items[146].question.options[0] == Option("yellow", "right; good!")


def test_repeated_texts_get_ids_of_their_own(documentation):
    ids = [item.question.id for item in documentation.imported]
    assert len(ids) == len(set(ids))
    assert "grant-is-buried-in-grants-tomb-2" in ids


# ---------------------------------------------------------------- Moodle's Aiken documentation

def test_the_aiken_documentation_examples_come_in_intact():
    result = read_questions((FIXTURES / "aiken-documentation.txt").read_bytes(), filename="aiken.txt")
    assert result.format == "aiken" and not result.reported
    first, second = result.questions
    assert first == Question(
        id="what-is-the-correct-answer-to-this-question", type="single",
        prompt="What is the correct answer to this question?", explanation="The right answer: Must be this one!",
        options=tuple(Option(t) for t in ("Is it this one?", "Maybe this answer?", "Possibly this one?",
                                          "Must be this one!")), correct=(3,))
    assert [o.text for o in second.options] == ["Moodle", "ATutor", "Claroline", "Blackboard", "WebCT", "Ilias"]
    assert second.correct == (0,) and [item.line for item in result.imported] == [1, 8]


@pytest.mark.parametrize("text, line, reason", [
    ("A. lonely option\n", 1, "an option comes before any question text"),
    ("ANSWER: A\n", 1, "an ANSWER: line comes before any question"),
    ("Question?\nA. one\nB. two\n\nNext question?\nA. x\nB. y\nANSWER: B\n", 1, "no ANSWER: line after its options"),
    ("Question?\nA. one\nB. two\n", 1, "the file ends before this question's ANSWER: line"),
    ("Question?\nA. one\nB. two\nANSWER: C\n", 1, "ANSWER: C names no option (the options are A, B)"),
    ("\n\nQuestion?\nA. one\nANSWER: A\n", 3, "needs at least two options"),
    ("Question?\nA. one\nA. two\nANSWER: A\n", 1, "option A appears twice"),
])
def test_aiken_mistakes_are_reported_with_their_line(text, line, reason):
    result = read_questions(text.encode(), "aiken")
    assert any(p.line == line and reason in str(p.reason) for p in result.reported), reasons(result)


def test_aiken_written_with_cyrillic_look_alike_letters_and_a_question_on_two_lines():
    # А, В, С typed on a Russian keyboard look like A, B, C.
    text = "Какой код означает «надёжность\nоценить невозможно»?\nА) A\nВ) X\nС) C\nАNSWЕR: в\n"
    result = read_questions(text.encode("cp1251"), "aiken", language="ru")
    question = result.questions[0]
    assert question.prompt == "Какой код означает «надёжность\nоценить невозможно»?"
    assert question.correct == (1,) and question.explanation == "Правильный ответ: X."
    assert result.imported[0].line == 1 and not result.reported


# ---------------------------------------------------------------- GIFT: formats, escapes, mistakes

def test_html_is_sanitised_like_lesson_markdown_and_reduced_to_text():
    question = only(gift(
        "[html]<p>Which <b>grade</b> &amp; code?</p><script>alert('x')</script><img src=x onerror=alert(1)>{\n"
        "=<i>B2</i>#<a href\\=\"javascript\\:alert(1)\">Right</a>\n~C3}"))
    assert question.prompt == "Which grade & code?"
    assert question.options[0] == Option("B2", "Right")
    notes = [str(n) for n in gift("[html]<p>x<img src=a.png></p><script>1</script>{T}").imported[0].notes]
    assert any("images are left out" in n for n in notes) and any("unsafe HTML is removed" in n for n in notes)


def test_plain_text_keeps_what_looks_like_html_and_moodle_format_reads_html():
    assert only(gift("[plain]Is <b> a tag?{T}")).prompt == "Is <b> a tag?"
    assert only(gift("Is <b>bold</b> a tag?{T}")).prompt == "Is bold a tag?"
    assert only(gift("Is 3 < 4 and x<y true?{T}")).prompt == "Is 3 < 4 and x<y true?"


def test_every_escape_and_the_line_break():
    question = only(gift(r"::a\:b::Braces \{x\}, tilde \~, equals \=, hash \#, colon \:, backslash \\, line\nbreak{T}"))
    assert question.prompt == "Braces {x}, tilde ~, equals =, hash #, colon :, backslash \\, line\nbreak"
    assert question.id == "a-b"


@pytest.mark.parametrize("text, line, reason", [
    ("\n\nWhat?{~a =b", 3, "never closed"),
    ("What? } a {~a =b}", 1, "without the '{'"),
    ("::unclosed name {T}", 1, "the question name is not closed"),
    ("First?{T}\nSecond?{F}", 1, "more than one {answers} block"),
    ("What?{~a =b =c}", 1, "options giving full marks: 2"),
    ("What?{~a ~b}", 1, "no option has a positive weight"),
    ("What?{~%-50%a ~b}", 1, "no option has a positive weight"),
    ("What?{stray ~a =b}", 1, "'stray' comes before the first answer"),
    ("Match?{=a -> 1 =b 2}", 1, "the pair 'b 2' has no '->'"),
    ("Match?{=a -> 1 =b -> 2 = -> 3}", 1, "answers that match nothing (3)"),
    ("Match?{=a -> 1}", 1, "at least two pairs"),
    ("What?{=only}", 1, "short-answer"),
    ("What?{~=only}", 1, "it cannot be a bank question: options[0]"),
    ("{T}", 1, "prompt"),
])
def test_gift_mistakes_and_unsupported_questions_are_reported_with_their_line(text, line, reason):
    result = gift(text)
    assert not result.imported
    assert any(p.line == line and reason in str(p.reason) for p in result.reported), reasons(result)


def test_partial_multiple_choice_weights_are_reported_as_not_kept():
    result = gift("Which two?{~%75%a ~%25%b ~%-100%c}")
    assert result.questions[0].correct == (0, 1)
    assert "answer weights are not kept: every right option counts the same here (Moodle weights: 75 %, 25 %)" in [
        str(n) for n in result.imported[0].notes]


def test_ids_avoid_the_course_s_ids_and_cyrillic_names_are_transliterated():
    result = gift("::Оценка источника::Надёжен ли источник?{T}\n\n::Q1::Old?{T}", taken_ids={"Q1"}, language="ru")
    assert [q.id for q in result.questions] == ["otsenka-istochnika", "Q1-2"]
    assert result.questions[0].explanation == "Утверждение верно."


def test_a_category_named_after_a_competency_gives_it_to_its_questions():
    competencies = {"source-reliability": "Grade a source with the 4x4 system", "two-axes": "Two axes"}
    result = gift("$CATEGORY: $course$/top/source-reliability\n\nA?{T}\n\n"
                  "$CATEGORY: $course$/top/Default for X/Grade a source with the 4x4 system\n\nB?{T}\n\n"
                  "$CATEGORY: $course$/top/Something else\n\nC?{F}", competencies=competencies)
    assert [q.competency for q in result.questions] == ["source-reliability", "source-reliability", None]


# ---------------------------------------------------------------- Moodle XML

@pytest.fixture(scope="module")
def moodle_xml():
    return read_questions((FIXTURES / "questions.xml").read_bytes(), filename="questions.xml",
                          competencies={"intelligence-cycle": "Put the stages of the cycle in order",
                                        "source-reliability": "Source evaluation"})


def test_moodle_xml_supported_questions_come_in_intact(moodle_xml):
    items = {item.line: item for item in moodle_xml.imported}
    assert sorted(items) == [11, 41, 64, 88, 112]
    code = items[11].question
    assert code.prompt == "Which code means no doubt about a source's authenticity?"
    assert code.options == (Option("A", "Right."), Option("C", "C has mostly proved unreliable."))
    assert code.correct == (0,) and code.shuffle is False and code.competency == "source-reliability"
    assert code.explanation == "A is kept for sources whose authenticity is not in doubt & who are trusted."
    assert {str(n) for n in items[11].notes} >= {"images are left out: bank questions are text only"}
    two = items[41].question
    assert two.id == "dva-priznaka" and two.type == "multiple" and two.correct == (0, 1)
    assert items[41].notes == ()
    truth = items[64].question
    assert (truth.truth, truth.feedback_true, truth.feedback_false) == (
        True, "Right: two axes.", "No: the 4x4 system has two axes.")
    assert items[88].question.pairs == (Pair("A", "Always reliable"), Pair("X", "Cannot be judged"))
    assert items[88].question.competency == "intelligence-cycle"
    assert items[112].question.items == ("Collection", "Evaluation", "Analysis")


def test_moodle_xml_unsupported_questions_are_listed_by_type_and_line(moodle_xml):
    assert [(p.line, p.moodle_type, p.name) for p in moodle_xml.reported] == [
        (135, "shortanswer", "Capital"), (144, "essay", "Describe the cycle"), (152, "numerical", "Stages"),
        (161, "cloze", "Fill in"), (169, "description", "Read first"), (177, "ddwtos", "Drag words"),
        (185, "matching", "With a distractor")]
    assert "drag and drop into text questions are not supported" in str(moodle_xml.reported[5].reason)


@pytest.mark.parametrize("data, line, reason", [
    (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n'
     b"<quiz>&lol2;</quiz>", 2, "document type"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "file:///etc/passwd">\n<quiz/>', 2, "document type"),
    (b"<quiz>\n<question type='truefalse'>\n</quiz>", 3, "not well-formed XML"),
    (b"<?xml version='1.0'?>\n<html><body/></html>", 2, "not a Moodle XML question file"),
])
def test_hostile_or_broken_xml_is_refused_with_its_line(data, line, reason):
    with pytest.raises(QuestionFileError) as refused:
        read_questions(data, "xml")
    assert refused.value.line == line and reason in str(refused.value.message)


@pytest.mark.parametrize("encoding, declared", [("utf-8", True), ("utf-8-sig", False), ("cp1251", True),
                                                ("cp1251", False)])
def test_xml_in_utf8_or_cp1251_with_or_without_a_declaration(encoding, declared):
    head = f'<?xml version="1.0" encoding="{"windows-1251" if encoding == "cp1251" else "UTF-8"}"?>\n' if declared else ""
    text = (head + "<quiz><question type='truefalse'><name><text>Вопрос</text></name><questiontext format='plain_text'>"
            "<text>Источник надёжен?</text></questiontext><answer fraction='100'><text>true</text></answer>"
            "<answer fraction='0'><text>false</text></answer></question></quiz>")
    question = only(read_questions(text.encode(encoding), filename="q.xml"))
    assert question.prompt == "Источник надёжен?" and question.id == "vopros"


# ---------------------------------------------------------------- files that cannot be read

@pytest.mark.parametrize("data", [
    "::Вопрос::Источник надёжен?{T}".encode("utf-8"), "::Вопрос::Источник надёжен?{T}".encode("utf-8-sig"),
    "::Вопрос::Источник надёжен?{T}".encode("cp1251")])
def test_gift_in_utf8_with_or_without_bom_or_cp1251(data):
    assert only(read_questions(data, filename="q.gift")).prompt == "Источник надёжен?"


@pytest.mark.parametrize("data, fmt, reason", [
    (b"x" * (MAX_BYTES + 1), "gift", "at most 2 MB"),
    (b"\x00\x01PK\x03\x04 binary", "gift", "not text"),
    (b"  \n\n", "gift", "the file is empty"),
    (b"Question?{T}", "docx", "unknown format"),
])
def test_unreadable_files_are_refused_with_a_reason(data, fmt, reason):
    with pytest.raises(QuestionFileError) as refused:
        read_questions(data, fmt)
    assert reason in str(refused.value.message)


def test_a_file_of_thousands_of_questions_is_refused_quickly():
    many = b"Q?{T}\n\n" * 2001
    with pytest.raises(QuestionFileError) as refused:
        read_questions(many, "gift")
    assert "the file holds more than 2000 questions, the most read at once" in str(refused.value.message)
    assert refused.value.line == 2001 * 2 - 1
    # 2000 questions with the same text get ids of their own without going back over the taken ones.
    result = read_questions(b"Q?{T}\n\n" * 2000, "gift")
    assert [q.id for q in result.questions[-2:]] == ["q-1999", "q-2000"]


def test_the_format_is_guessed_from_the_extension_then_the_content():
    assert guess_format("bank.XML") == "xml" and guess_format("bank.gift") == "gift"
    assert guess_format("bank.txt", "Q?\nA. a\nB. b\nANSWER: A") == "aiken"
    assert guess_format("bank.txt", "Q?{T}\n// ANSWER: none") == "gift"
    assert guess_format("", "<?xml version='1.0'?><quiz/>") == "xml"


# ---------------------------------------------------------------- export and round trip

BANK = (
    Question(id="cycle-order", type="single", competency="intelligence-cycle",
             prompt="Which stage comes after collection? (Think: {evaluate} ~ = # : \\)",
             explanation="Evaluation: then the source and the information are graded.",
             options=(Option("[html] Evaluation", "Right #1."), Option("%10% Dissemination", "No: later."),
                      Option("Analysis")), correct=(0,)),
    Question(id="two-axes", type="multiple", prompt="Which two does the 4x4 system grade?\nChoose two.",
             explanation="Source and information, separately.",
             options=(Option("The source"), Option("The information", "Yes."), Option("The officer")),
             correct=(0, 1)),
    Question(id="Graded.separately_1", type="true_false", competency="two-axes",
             prompt="A reliable source's report is graded 1 without further thought.", explanation="No.",
             truth=False, feedback_true="Wrong: the information is graded on its own.", feedback_false=""),
    Question(id="tf-right-only", type="true_false", prompt="X means the reliability cannot be judged.",
             explanation="Yes.", truth=True, feedback_true="", feedback_false="X is a grade of its own."),
    Question(id="match-codes", type="matching", competency="two-axes", prompt="Match the codes.",
             explanation="A and X.", pairs=(Pair("A", "No doubt -> reliable"), Pair("X", "Cannot be judged: new"))),
)
ORDERING = Question(id="order", type="ordering", prompt="Put in order.", explanation="C, E, A.",
                    items=("Collection", "Evaluation", "Analysis"))
COMPETENCIES = {"intelligence-cycle": "Put the stages in order", "two-axes": "Grade separately"}


def test_gift_export_round_trips_every_type_gift_can_hold():
    text, notes = to_gift(BANK + (ORDERING,), "questions/x.yml")
    assert gift(text, competencies=COMPETENCIES).questions == BANK
    assert [str(n) for n in notes] == [
        "'order' is an ordering question, which GIFT cannot hold: export Moodle XML to keep it"]
    assert "// Not kept: 'order' is an ordering question" in text


def test_moodle_xml_export_round_trips_every_type():
    bank = BANK + (ORDERING, replace(BANK[0], id="no-shuffle", shuffle=False, competency=None))
    text, notes = to_moodle_xml(bank, "questions/x.yml")
    assert read_questions(text.encode(), "xml", competencies=COMPETENCIES).questions == bank
    assert notes == ()


def test_gift_says_what_it_cannot_keep_in_order():
    text, notes = to_gift((replace(BANK[0], shuffle=False),))
    assert "keeps its options in the written order" in str(notes[0])
    assert gift(text, competencies=COMPETENCIES).questions == (BANK[0],)


@pytest.mark.parametrize("path", SHIPPED_BANKS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_shipped_bank_round_trips_through_moodle_xml_gift_and_yaml(path):
    questions, problems = read_bank(path.read_text(encoding="utf-8"))
    assert questions and not problems
    competencies = {q.competency: q.competency for q in questions if q.competency}
    xml_text, _notes = to_moodle_xml(questions)
    assert read_questions(xml_text.encode(), "xml", competencies=competencies).questions == questions
    gift_text, _notes = to_gift(questions)
    expected = tuple(replace(q, shuffle=True) for q in questions if q.type != "ordering")
    result = read_questions(gift_text.encode(), "gift", competencies=competencies)
    assert result.questions == expected and not result.reported
    assert read_bank(bank_yaml(questions)) == (questions, ())


def test_imported_questions_are_written_as_a_bank_the_validator_reads_back(documentation):
    text = bank_yaml(documentation.questions, "Imported from gift-documentation.txt (Moodle GIFT)")
    assert text.startswith("# Imported from gift-documentation.txt (Moodle GIFT)\nquestions:\n  - id: ")
    assert is_bank(text)
    assert read_bank(text) == (documentation.questions, ())


def test_read_bank_leaves_out_broken_entries_and_says_why():
    questions, problems = read_bank("questions:\n  - id: a\n    type: true_false\n    prompt: P\n"
                                    "    answer: true\n    explanation: E\n  - id: b\n    type: essay\n")
    assert [q.id for q in questions] == ["a"] and problems[0].startswith("questions[1]: ")
    assert read_bank("nothing: here") == ((), ("the file has no 'questions:' list",))
    assert not is_bank("course: yes") and not is_bank("[unclosed")
