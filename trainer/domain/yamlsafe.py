"""The one guarded way into the YAML parser, for every course and scenario file.

A hundred kilobytes of ``[`` crash libyaml's C composer (it recurses once per level) and
twenty thousand ``{a:`` cost seconds of CPU before the parser gives up. So the raw text is
measured first, by a single linear scan that counts how deep lists and mappings nest, and
refused unread when it is too large or too deep; after composing, aliases are counted so a
few lines cannot stand for millions of values ("billion laughs").

A refusal is a `YamlLimitError`: a `yaml.MarkedYAMLError` with the line, so every caller that
already reports YAML errors with their line reports these too.
"""

from __future__ import annotations

import re

import yaml

from trainer.domain.messages import N_, msg

MAX_BYTES = 1_000_000        # the largest shipped scenario is about 55 kB
MAX_DEPTH = 50               # real content nests fewer than 10 levels
MAX_VALUES = 200_000         # values once aliases are expanded; real files have a few thousand


class YamlLimitError(yaml.MarkedYAMLError):
    """Text refused before (or instead of) parsing; `line` is 1-based within the text."""

    def __init__(self, message: str, line: int | None = None):
        mark = yaml.Mark("<text>", 0, line - 1, 0, None, None) if line else None
        super().__init__(problem=message, problem_mark=mark)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


def check_text(text: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> None:
    """Raise YamlLimitError when the text is too large or nests too deep to parse safely."""
    # UTF-8 is at most 4 bytes a character: the exact count only when it might matter.
    if len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YamlLimitError(msg(N_("larger than %(kb)d kB: a YAML file may be at most %(kb)d kB"),
                                 kb=max_bytes // 1000))
    depth, line = nesting_depth(text, stop_above=max_depth)
    if depth > max_depth:
        raise YamlLimitError(msg(N_("nesting deeper than %(n)d levels (lists and mappings inside "
                                    "each other): refused unread"), n=max_depth), line)


def compose(loader: yaml.BaseLoader, text: str) -> yaml.Node | None:
    """The single document of a loader made from `text`, after every guard; None if empty."""
    check_text(text)
    try:
        node = loader.get_single_node()
    except RecursionError:           # the scan is a guard, not a parser: never let this escape
        raise YamlLimitError(msg(N_("nesting deeper than %(n)d levels: refused"), n=MAX_DEPTH)) from None
    if node is not None and expanded_size(node) > MAX_VALUES:
        raise YamlLimitError(msg(N_("expands to more than %(n)d values through aliases (*name): "
                                    "write the values out instead"), n=MAX_VALUES), node.start_mark.line + 1)
    return node


def safe_load(text: str):
    """yaml.safe_load behind the guards (plain dicts and lists, no line numbers)."""
    loader = yaml.SafeLoader(text)
    try:
        node = compose(loader, text)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def expanded_size(root: yaml.Node) -> int:
    """Values the node stands for with aliases expanded, counted up to MAX_VALUES + 1.

    Shared nodes are counted once each time they are used without being walked again, so
    the count is linear in the document; a node that contains itself is endless.
    """
    cap = MAX_VALUES + 1
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(child)] for child in children), cap)
            continue
        if id(node) in open_nodes:
            return cap
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


# ---------------------------------------------------------------- the depth scan
#
# Not a parser: an upper bound of the nesting the parser would build. Block nesting is
# tracked by a stack of indentation columns (plus one level per "- " or "? " that opens a
# nested node on the same line), flow nesting by counting "{" and "[" ("[" twice: "[a: b]"
# is a mapping inside a list with one bracket). Brackets in quoted
# text, comments and block scalars (| and >) do not count. When unsure the scan counts a
# level: a false alarm needs fifty levels of unusual text, a miss could crash the parser.

_INDENT = re.compile(r"[ \t]*")
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)*")        # anchors and tags before a node
_ENTRY = re.compile(r"[-?](?=[ \t]|$)")
_BLOCK_SCALAR = re.compile(r"[|>]([1-9]?)[-+]?([1-9]?)[ \t]*(?:#.*)?$")
_PLAIN_END = re.compile(r":(?=[ \t]|$)|[ \t]#")                  # a key's colon, or a comment
_FLOW_STOP = re.compile(r"[\[\]{}'\"#]")
_DOC_MARK = re.compile(r"(?:---|\.\.\.)(?=[ \t]|$)")
# PyYAML breaks lines at all of these; the scan must count the same lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def nesting_depth(text: str, stop_above: int | None = None) -> tuple[int, int]:
    """(deepest nesting found, line where it was first reached), in one pass over the text.

    Stops early once the depth exceeds `stop_above`.
    """
    deepest, deepest_line = 0, 1
    stack: list[tuple[int, bool]] = []   # open block nodes: (column, not a "- " entry)
    flow = 0                         # open [ and {
    skip_above: int | None = None    # inside a block scalar: lines indented more than this
    quote: str | None = None         # inside a quoted scalar spanning lines
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        pos: int | None = 0
        if quote is None and flow == 0:
            indent = _INDENT.match(line).end()
            rest = line[indent:]
            if skip_above is not None:
                if not rest or indent > skip_above:
                    continue
                skip_above = None
            if not rest or rest.startswith("#"):
                continue
            if indent == 0 and _DOC_MARK.match(rest):
                stack.clear()
                indent = _INDENT.match(line, 3).end()
                if indent >= len(line) or line[indent] == "#":
                    continue
            # A "- " line at the column of a key above it is a list inside that key's mapping
            # ("a:" then "- b"), not a sibling: the key's level stays open.
            entry = line.startswith("-", indent) and _ENTRY.match(line, indent) is not None
            while stack and (stack[-1][0] > indent
                             or stack[-1][0] == indent and not (entry and stack[-1][1])):
                stack.pop()
            pos = indent
            stack.append((indent, not entry))
        while pos is not None:
            if len(stack) + flow > deepest:
                deepest, deepest_line = len(stack) + flow, number
                if stop_above is not None and deepest > stop_above:
                    return deepest, deepest_line
            if quote is not None:
                pos = _end_of_quote(line, pos, quote)
                if pos is None:
                    break                # the quoted text goes on to the next line
                quote = None
                if flow == 0:            # a quoted key in block context: its value may follow
                    pos = _after_key(line, pos)
                    if pos is not None:
                        pos, skip_above, quote, flow = _block_node(line, pos, stack, flow, True)
            elif flow > 0:
                pos, quote, flow = _flow(line, pos, flow)
                if pos is not None and flow == 0:
                    pos = _after_key(line, pos)
                    if pos is not None:
                        pos, skip_above, quote, flow = _block_node(line, pos, stack, flow, True)
            else:
                pos, skip_above, quote, flow = _block_node(line, pos, stack, flow)
        if len(stack) + flow > deepest:
            deepest, deepest_line = len(stack) + flow, number
            if stop_above is not None and deepest > stop_above:
                return deepest, deepest_line
    return deepest, deepest_line


def _flow(line: str, pos: int, flow: int) -> tuple[int | None, str | None, int]:
    """One step in flow context: (pos to go on from or None, quote opened, flow depth)."""
    match = _FLOW_STOP.search(line, pos)
    if match is None:
        return None, None, flow
    char, at, pos = match.group(), match.start(), match.end()
    # "[a: b]" holds a mapping inside the list without a bracket for it: "[" counts twice.
    if char in "[{":
        return pos, None, flow + (2 if char == "[" else 1)
    if char in "]}":
        return pos, None, max(flow - (2 if char == "]" else 1), 0)
    if char == "#":
        # A comment only after a space; otherwise part of a plain scalar.
        return (None if at == 0 or line[at - 1] in " \t" else pos), None, flow
    # A quote opens a scalar only where a node starts.
    before = at - 1
    while before >= 0 and line[before] in " \t":
        before -= 1
    return pos, (char if before < 0 or line[before] in "[{,:?" else None), flow


def _block_node(line: str, pos: int, stack: list[tuple[int, bool]], flow: int, after_key: bool = False):
    """Read from a block node start: (pos to go on from or None, block-scalar skip, quote, flow)."""
    holder = pos                     # column of the collection a block scalar here belongs to
    while True:
        pos = _PROPERTIES.match(line, _INDENT.match(line, pos).end()).end()
        if pos >= len(line) or line[pos] == "#":
            return None, None, None, flow
        if _ENTRY.match(line, pos):      # "- " or "? ": a nested node starts on this line
            if after_key:                # the list itself is a level too (": - a" after "? k")
                stack.append((pos, False))
                after_key = False
            holder = pos
            pos = _INDENT.match(line, pos + 1).end()
            if pos >= len(line):
                return None, None, None, flow
            stack.append((pos, True))
            continue
        char = line[pos]
        if char in "[{":
            return pos + 1, None, None, flow + (2 if char == "[" else 1)
        if char in "'\"":
            if after_key:                # it may be the key of a mapping nested on this line
                stack.append((pos, True))
            return pos + 1, None, char, flow
        scalar = _BLOCK_SCALAR.match(line, pos)
        if scalar:
            # Its lines are indented more than the collection holding it. With an explicit
            # indentation indicator the scan reads on instead: it may over-count, never miss.
            explicit = scalar.group(1) or scalar.group(2)
            return None, (None if explicit else holder), None, flow
        # A plain scalar: if it is a key, its value may start on this line.
        end = _PLAIN_END.search(line, pos)
        if end is None or end.group() != ":":
            return None, None, None, flow
        if after_key:                    # "? k" then ": a: b": a mapping inside the value
            stack.append((pos, True))
        holder, pos, after_key = pos, end.end(), True


def _after_key(line: str, pos: int) -> int | None:
    """After a quoted or flow node in block context: where a value after ':' starts, or None."""
    pos = _INDENT.match(line, pos).end()
    if line.startswith(":", pos) and (pos + 1 == len(line) or line[pos + 1] in " \t"):
        return pos + 1
    return None


def _end_of_quote(line: str, pos: int, quote: str) -> int | None:
    """Index just after the closing quote on this line, or None when it is on a later line."""
    while True:
        end = line.find(quote, pos)
        if end < 0:
            return None
        if quote == "'":
            if line.startswith("''", end):
                pos = end + 2
                continue
            return end + 1
        escape = end - 1
        while escape >= pos and line[escape] == "\\":
            escape -= 1
        if (end - 1 - escape) % 2:       # an odd run of backslashes escapes this quote
            pos = end + 1
            continue
        return end + 1


# The YAML parser's words for the slips authors make most, in plain words of ours (translated
# where they are shown: a Russian author read "found character that cannot start any token" in
# English). Matched on the parser's `problem`, as libyaml or PyYAML words it; anything else is
# shown in the parser's own words.
PROBLEMS_IN_WORDS = (
    (re.compile(r"found character .*that cannot start any token"),
     N_("a character that cannot begin a value here: often a tab (indent with spaces only), or a value "
        "beginning with @ or ` (put it in quotes)")),
    (re.compile(r"found unexpected end of stream"),
     N_("a quoted value is not closed: end it with the same quote mark")),
    (re.compile(r"mapping values are not allowed"),
     N_("a colon inside a value: put a value that holds “: ” in quotes")),
    (re.compile(r"expected <block end>, but found|did not find expected key|did not find expected '-' indicator"),
     N_("this line is indented differently from the lines around it")),
    (re.compile(r"expected the node content|did not find expected node content|"
                r"expected ',' or '[\]}]'|did not find expected ',' or '[\]}]'"),
     N_("a value is missing, or a list “[” or a mapping “{” is not closed")),
    (re.compile(r"found unknown escape character"),
     N_("an unknown \\ escape in a double-quoted value: use single quotes, or write \\\\ for a backslash")),
    (re.compile(r"found undefined alias"),
     N_("an alias (*name) with no anchor (&name) of that name above it")),
    (re.compile(r"could not find expected ':'"),
     N_("a key without its colon: write it as “key: value”")),
)


def problem_in_words(error: yaml.MarkedYAMLError):
    """What the parser found, in our words (a Message), or None when it is not a slip we know."""
    problem = str(error.problem or "")
    return next((msg(words) for pattern, words in PROBLEMS_IN_WORDS if pattern.search(problem)), None)

