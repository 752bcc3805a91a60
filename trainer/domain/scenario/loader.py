"""A YAML loader that keeps the line of every value, so problems can name where they are."""

from __future__ import annotations

from typing import Any

import yaml

from trainer.domain import yamlsafe
from trainer.domain.messages import N_, Message, msg

Path = tuple[str | int, ...]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


# libyaml's parser when present: about ten times faster on large scenarios.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type, misc]
    """SafeLoader that leaves dates as text: the scenario parser reads them itself."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(Exception):
    """The text is not YAML; carries the line of the first error."""

    def __init__(self, message: Message, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def load_yaml(text: str) -> tuple[Any, dict[Path, int], list[tuple[int, Path, str]]]:
    """Parse text into plain values plus {path: line}, and duplicate-key findings."""
    loader = _Loader(text)
    try:
        node = yamlsafe.compose(loader, text)    # size, depth and alias limits first
        lines: dict[Path, int] = {}
        duplicates: list[tuple[int, Path, str]] = []
        data = _convert(loader, node, (), 1, lines, duplicates) if node is not None else None
    except yamlsafe.YamlLimitError as exc:
        raise YamlError(exc.message, exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = yamlsafe.problem_in_words(exc) or " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(msg(N_("not valid YAML: %(reason)s"), reason=message),
                        mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(msg(N_("not valid YAML: %(reason)s"), reason=str(exc)), None) from None
    finally:
        loader.dispose()
    return data, lines, duplicates


def _convert(loader: _Loader, node: yaml.Node, path: Path, line: int, lines: dict[Path, int],
             duplicates: list[tuple[int, Path, str]]) -> Any:
    # A mapping value is located at its key's line: "tasks:" rather than the first task.
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves "<<" merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are always text: `1:` and `"1":` name the same grade or handling code.
            key = str(loader.construct_object(key_node, deep=True))
            if key in result:
                duplicates.append((key_node.start_mark.line + 1, path + (key,),
                                   msg(N_("duplicate key '%(key)s' (the later value would win)"), key=key)))
            result[key] = _convert(loader, value_node, path + (key,), key_node.start_mark.line + 1,
                                   lines, duplicates)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, path + (i,), item.start_mark.line + 1, lines, duplicates)
                for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def format_path(path: Path) -> str:
    """('reports', 2, 'source') -> 'reports[2].source'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
