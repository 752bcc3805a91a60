"""Every catalogue is complete and current, and no English reaches a page outside gettext.

docs/translating.md sends translators here: `bash scripts/test.sh tests/unit/test_translations.py`.
Each failure names what to fix: the message (and where the code uses it), or the file and line.

- a compiled catalogue (messages.mo) says what its messages.po says (else: scripts/i18n.sh compile);
- each catalogue has every message `pybabel extract` finds with the options of scripts/i18n.sh,
  none empty or fuzzy, each translation with the placeholders of the English (else: update, translate);
- templates show no English outside `_()`, `ngettext()` and `{% trans %}`: text between tags,
  the attributes people read or hear (title, alt, placeholder, aria-label, a button's value),
  and string literals printed by `{{ }}`;
- Python gives `flash()`, `abort()`, `error_response()`, `ValidationError()` and form field labels
  and descriptions a translated string, never a bare literal.
"""
from __future__ import annotations

import ast
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "trainer" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
TEMPLATES = ROOT / "templates"

# A conversion that %-formatting reads: %(name)s, %(num)d, %s, and %% for a percent sign.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def language(po: Path) -> str:
    return po.parent.parent.name


def read_catalogue(po: Path):
    with open(po, "rb") as file:
        return read_po(file, locale=language(po))


def compiled_messages(catalog) -> dict:
    """msgid -> what gettext answers, plural ids and forms as tuples (read_mo gives lists)."""
    def frozen(value):
        return value if isinstance(value, str) else tuple(value)

    return {frozen(message.id): frozen(message.string) for message in catalog if message.id}


# --- compiled catalogues ----------------------------------------------------------------------

def test_there_is_a_catalogue_and_it_is_compiled():
    assert CATALOGUES, "no catalogue under trainer/translations/"
    for po in CATALOGUES:
        assert po.with_suffix(".mo").is_file(), f"{po.relative_to(ROOT)} is not compiled: bash scripts/i18n.sh compile"


@pytest.mark.parametrize("po", CATALOGUES, ids=language)
def test_each_compiled_catalogue_says_what_its_po_says(po):
    """messages.mo is what `pybabel compile` makes of messages.po now (compiled again in memory)."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(po))  # as scripts/i18n.sh compile does: fuzzy entries left out
    buffer.seek(0)
    fresh = compiled_messages(read_mo(buffer))
    with open(po.with_suffix(".mo"), "rb") as file:
        compiled = read_mo(file)
    shipped = compiled_messages(compiled)
    stale = sorted((str(key) for key in fresh.keys() ^ shipped.keys()), key=str)
    stale += sorted(str(key) for key in fresh.keys() & shipped.keys() if fresh[key] != shipped[key])
    assert not stale, (f"{po.with_suffix('.mo').relative_to(ROOT)} is older than its .po "
                       f"({len(stale)} messages differ, e.g. {stale[:5]}): run bash scripts/i18n.sh compile")
    with open(po, "rb") as file:
        declared = read_po(file).plural_forms
    assert compiled.plural_forms == declared, "the compiled plural rule is not the .po's: compile again"


# --- complete catalogues ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `bash scripts/i18n.sh update` extracts: the same mapping file and keywords."""
    script = (ROOT / "scripts" / "i18n.sh").read_text(encoding="utf-8")
    command = next(line for line in script.splitlines() if " extract " in line and "babel.cfg" in line)
    keywords = re.findall(r"-k (\S+)", command)
    assert keywords, "scripts/i18n.sh extracts with no -k keywords?"
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    CommandLineInterface().run(["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"),
                                *[arg for keyword in keywords for arg in ("-k", keyword)],
                                "--no-wrap", "--omit-header", "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as file:
        catalog = read_po(file)
    messages = [message for message in catalog if message.id]
    assert len(messages) > 500, "extraction found almost nothing: is babel.cfg read?"
    return messages


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


class AnyValue(dict):
    """Fills every %(name)s with a value, to show a translation formats without an error."""

    def __missing__(self, key):
        return 1


def translation_problems(english, entry) -> list[str]:
    """What is wrong with one catalogue entry for one extracted message (nothing: [])."""
    if entry is None:
        return ["missing"]
    if english.pluralizable != entry.pluralizable:
        return ["has a plural form in the code and not in the catalogue, or the other way round"]
    if entry.fuzzy:
        return ["marked fuzzy: check it and remove the flag"]
    forms = list(entry.string) if entry.pluralizable else [entry.string]
    if not all(form and form.strip() for form in forms):
        return ["not translated (empty)"]
    if not english.python_format:
        return []
    wanted = placeholders(english.id[1] if english.pluralizable else english.id)
    problems = []
    for index, form in enumerate(forms):
        which = f"form {index} " if english.pluralizable else ""
        if placeholders(form) != wanted:
            problems.append(f"{which}{form!r} has placeholders {sorted(placeholders(form))}, "
                            f"the English has {sorted(wanted)}")
        elif all("(" in p or p == "%%" for p in wanted):
            try:
                form % AnyValue()
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{which}{form!r} cannot be filled in ({error}): write a percent sign as %%")
    return problems


@pytest.mark.parametrize("po", CATALOGUES, ids=language)
def test_each_catalogue_translates_every_message_the_code_uses(po, extracted):
    catalogue = read_catalogue(po)
    problems = []
    for english in extracted:
        entry = catalogue.get(english.id, english.context)
        for problem in translation_problems(english, entry):
            where = ", ".join(f"{Path(file).relative_to(ROOT) if Path(file).is_absolute() else file}:{line}"
                              for file, line in english.locations[:2])
            key = english.id[0] if english.pluralizable else english.id
            problems.append(f"{key!r} ({where}): {problem}")
    assert not problems, (f"{po.relative_to(ROOT)}: {len(problems)} messages to fix "
                          "(bash scripts/i18n.sh update, translate, compile):\n" + "\n".join(problems[:60]))


def test_the_placeholder_check_catches_what_breaks_a_page():
    class Entry:  # the parts of a babel Message the check reads
        def __init__(self, id, string, pluralizable=False, python_format=True, fuzzy=False):
            self.id, self.string, self.pluralizable = id, string, pluralizable
            self.python_format, self.fuzzy = python_format, fuzzy

    english = Entry("Welcome, %(name)s.", "")
    assert translation_problems(english, Entry("Welcome, %(name)s.", "Добро пожаловать, %(name)s.")) == []
    assert translation_problems(english, None) == ["missing"]
    assert translation_problems(english, Entry("Welcome, %(name)s.", "")) == ["not translated (empty)"]
    assert "fuzzy" in translation_problems(english, Entry("", "Привет, %(name)s.", fuzzy=True))[0]
    assert "placeholders" in translation_problems(english, Entry("", "Добро пожаловать, %(имя)s."))[0]
    assert "percent" in translation_problems(Entry("%(p)d%% done", ""), Entry("", "%(p)d%% — 100 % готово"))[0]
    plural = Entry(("%(num)d course", "%(num)d courses"), ("",), pluralizable=True)
    good = Entry(plural.id, ("%(num)d курс", "%(num)d курса", "%(num)d курсов"), pluralizable=True)
    assert translation_problems(plural, good) == []
    bad = Entry(plural.id, ("один курс", "%(num)d курса", "%(num)d курсов"), pluralizable=True)
    assert translation_problems(plural, bad)[0].startswith("form 0 ")
    assert "plural" in translation_problems(plural, Entry(plural.id, "%(num)d курсов"))[0]


# --- templates: no English outside gettext ------------------------------------------------------

# Words that are the same in every language of the interface, each with its reason. Keep it
# short: a word belongs here only when no translator would change it.
ALLOWED_WORDS = {
    "trainer",  # the platform's name, a brand (the header's logo and the end of each page title)
    "Moodle", "GIFT", "XML",  # names of file formats, written so in every language (download links)
}
# Attributes whose text a person reads or hears; the rest (href, class, name...) is not shown.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                   "aria-valuetext", "label", "summary"}
LATIN_WORD = re.compile(r"(?<![\w@/.:-])[A-Za-z][A-Za-z'’]{2,}(?![\w@/])")
HOLE = "\x00"  # where a {{ }} or {% %} stood: text that comes from the code, not the template


def english_words(text: str) -> list[str]:
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]


def template_text(source: str, name: str) -> tuple[str, list[tuple[int, str]]]:
    """The template with every {{ }} and {% %} replaced by a HOLE and {% trans %} blocks left
    out, so that what remains is the HTML the template writes itself (on the same lines);
    plus the string literals that {{ }} prints."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts: list[str] = []
    lines = 1  # the line the text written so far ends on
    in_tag = False
    trans = None  # None, "open" (inside {% trans %}...{% endtrans %}) or "closing"
    for line, kind, value in env.lex(source, name):
        if kind in ("variable_begin", "block_begin"):
            in_tag = True
        elif in_tag:
            if kind == "name" and trans is None and value == "trans":
                trans = "open"
            elif kind == "name" and trans == "open" and value == "endtrans":
                trans = "closing"
            elif kind in ("variable_end", "block_end"):
                in_tag = False
                trans = None if trans == "closing" else trans
                # {{ }} writes a value: a hole in the text. {% %} writes nothing itself; a space
                # keeps <td{% if n %} class="num"{% endif %}> a tag with an attribute.
                parts.append(HOLE if kind == "variable_end" else " ")
        elif kind == "data":
            if line > lines:  # a tag ran over several lines: keep the numbering
                parts.append("\n" * (line - lines))
                lines = line
            parts.append(value if trans is None else "\n" * value.count("\n"))
            lines += value.count("\n")
    return "".join(parts), printed_literals(env, source, name)


def printed_literals(env: Environment, source: str, name: str) -> list[tuple[int, str]]:
    """String constants that {{ }} prints as they are: {{ 'Passed' if ok }}, {{ x or 'none' }}."""
    found: list[tuple[int, str]] = []

    def visit(node) -> None:
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, nodes.CondExpr):
            visit(node.expr1)
            if node.expr2 is not None:
                visit(node.expr2)
        elif isinstance(node, (nodes.Or, nodes.And)):
            visit(node.left), visit(node.right)
        elif isinstance(node, nodes.Concat):
            for item in node.nodes:
                visit(item)
        elif isinstance(node, nodes.Filter) and node.name in ("capitalize", "upper", "lower", "title", "trim", "e",
                                                              "escape", "safe", "string"):
            visit(node.node)

    for output in env.parse(source, name).find_all(nodes.Output):
        for child in output.nodes:
            if not isinstance(child, nodes.TemplateData):
                visit(child)
    return found


# Elements whose text is not prose: scripts, styles, and code (a CSV header, a YAML key) that
# must be typed as it is whatever the interface language.
NOT_PROSE = {"script", "style", "code", "pre", "kbd", "samp"}


class TextNodes(HTMLParser):
    """Text people read in a page: between tags (not in NOT_PROSE) and in the attributes read out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in NOT_PROSE:
            self.hidden += 1
        read = set(READ_ATTRIBUTES)
        attributes = dict(attrs)
        if tag == "input" and (attributes.get("type") or "").lower() in ("submit", "button", "reset"):
            read.add("value")
        for attribute, value in attrs:
            if attribute in read and value:
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag):
        if tag in NOT_PROSE and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.found.append((self.getpos()[0], data))


def untranslated_in_template(path: Path, root: Path = ROOT) -> list[str]:
    """file:line and the English words of every piece of text the template writes itself."""
    name = str(path.relative_to(root))
    source = path.read_text(encoding="utf-8")
    html, literals = template_text(source, name)
    parser = TextNodes()
    parser.feed(html)
    parser.close()
    problems = []
    for line, text in parser.found:
        for piece in text.split(HOLE):
            words = english_words(piece)
            if words:
                problems.append(f"{name}:{line}: {' '.join(words)!r} in {piece.strip()[:60]!r}")
    for line, text in literals:
        words = english_words(text)
        if words and (" " in text.strip() or text[:1].isupper()):  # a phrase or a label, not a CSS class
            problems.append(f"{name}:{line}: the literal {text!r} is printed untranslated")
    return problems


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


def test_templates_write_no_english_outside_gettext():
    assert TEMPLATE_FILES
    problems = [problem for path in TEMPLATE_FILES for problem in untranslated_in_template(path)]
    assert not problems, (f"{len(problems)} pieces of English outside _() / ngettext() / {{% trans %}} "
                          "(wrap them, then update and translate the catalogues):\n" + "\n".join(problems))


def test_the_template_check_sees_text_attributes_and_printed_literals(tmp_path):
    page = tmp_path / "templates" / "page.html"
    page.parent.mkdir()
    page.write_text(
        "{% extends 'base.html' %}{# Comments are for authors #}\n"
        "<h1>{{ _('Courses') }}</h1>\n"
        "<p>Choose a course</p>\n"
        '<a href="/courses/x" class="button secondary" title="Open the course">{{ course.title }}</a>\n'
        "<script>const label = 'not shown';</script><style>.muted { color: grey }</style>\n"
        "{% trans %}Written inside trans{% endtrans %}\n"
        "<p>{{ 'Passed' if ok else _('Not yet') }} · PDF · {{ n }} min</p>\n"
        '<input type="submit" value="Save"><input type="hidden" name="next" value="home">\n',
        encoding="utf-8")
    problems = untranslated_in_template(page, tmp_path)
    assert [problem.split(":")[1] for problem in problems] == ["3", "4", "7", "7", "8", "7"], problems
    assert "Choose" in problems[0] and "Open" in problems[1] and "Save" in problems[4]
    assert "'PDF'" in problems[2] and "'min'" in problems[3]  # each piece between two {{ }} on its own
    assert "'Passed'" in problems[5]


# --- Python: messages people read go through gettext -----------------------------------------

TRANSLATORS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "_n", "_ln", "N_", "msg",
               "pgettext", "npgettext"}
PYTHON_FILES = sorted(path for folder in ("views", "services") for path in (ROOT / "trainer" / folder).glob("*.py")) + [
    ROOT / "trainer" / name for name in ("forms.py", "certificates.py", "exports.py", "i18n.py", "permissions.py",
                                         "__init__.py")]
FIELD = re.compile(r"[A-Z]\w*Field$")


def bare_text(node) -> bool:
    """A literal (or f-string) with words in it, given as is rather than through gettext."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LATIN_WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and LATIN_WORD.search(part.value) for part in node.values)
    if isinstance(node, ast.BinOp):  # "text" + something, "text %s" % value
        return bare_text(node.left) or bare_text(node.right)
    return False


def called(node: ast.Call) -> str:
    function = node.func
    return function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""


def untranslated_in_python(path: Path, root: Path = ROOT) -> list[str]:
    """file:line of each message people read that is given as a bare literal."""
    name = str(path.relative_to(root))
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), name)):
        if not isinstance(node, ast.Call):
            continue
        function = called(node)
        shown: list = []
        if function == "flash" and node.args:
            shown = [node.args[0]]
        elif function in ("abort", "error_response") and len(node.args) > 1:
            shown = [node.args[1]]
        elif function == "ValidationError" and node.args:
            shown = [node.args[0]]
        elif FIELD.match(function) and node.args:
            shown = [node.args[0]]  # a form field's label
        shown += [keyword.value for keyword in node.keywords
                  if keyword.arg in ("label", "description", "message", "description_text")
                  and (FIELD.match(function) or function in ("flash", "abort", "ValidationError")
                       or function in ("Length", "DataRequired", "InputRequired", "NumberRange", "Email",
                                       "EqualTo", "Regexp", "URL", "Optional", "FileAllowed", "FileRequired",
                                       "AnyOf", "NoneOf"))]
        for value in shown:
            if bare_text(value):
                problems.append(f"{name}:{value.lineno}: {function}() is given {ast.unparse(value)[:70]} "
                                "outside _() / _l()")
    return problems


def test_python_gives_people_translated_messages():
    problems = [problem for path in PYTHON_FILES if path.is_file() for problem in untranslated_in_python(path)]
    assert not problems, f"{len(problems)} messages people read are not translated:\n" + "\n".join(problems)


def test_the_python_check_sees_flash_abort_validation_and_labels(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "flash(_('Saved.'), 'success')\n"
        "flash('Saved.', 'success')\n"
        "flash(f'{n} saved')\n"
        "abort(400, 'Bad page number')\n"
        "abort(404)\n"
        "raise ValidationError(_l('Too short.'))\n"
        "raise ValidationError('Too short.')\n"
        "name = StringField('Full name', validators=[Length(max=5, message='Too long')])\n"
        "email = StringField(_l('Email'), description='We write to it')\n"
        "kind = SelectField(_l('Kind'), choices=[('a', 'A')])\n", encoding="utf-8")
    problems = untranslated_in_python(module, tmp_path)
    assert sorted(int(problem.split(":")[1]) for problem in problems) == [2, 3, 4, 7, 8, 8, 9], problems
