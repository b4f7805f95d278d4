"""The layering that docs/architecture.md describes."""

import ast
import collections
import pathlib

import sklearn_reinject

PACKAGE = pathlib.Path(sklearn_reinject.__file__).parent

#: What each layer may import from the package (the page's table).
ALLOWED = {
    "utils": set(),
    "nn": set(),
    "exceptions": set(),
    "_skorch": {"utils"},
    "_base": {"_skorch", "exceptions", "nn", "utils"},
    "metrics": {"utils"},
    "datasets": {"utils"},
    "autoencoder": {"_base", "exceptions", "nn", "sampling", "utils"},
    "sampling": {"_base", "exceptions", "metrics", "utils"},
    "distillation": {"_base", "autoencoder", "exceptions", "nn",
                     "sampling", "utils"},
    "__init__": {"autoencoder", "distillation", "exceptions", "sampling"},
}


def _layer(path):
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py")


def _imports():
    """Layer -> {(imported layer, absolute module names)}."""
    edges = collections.defaultdict(set)
    absolute = collections.defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        source = _layer(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                absolute[source].update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                absolute[source].add(node.module)
            elif isinstance(node, ast.ImportFrom):
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                if node.module:
                    base = base / node.module.replace(".", "/")
                target = base.relative_to(PACKAGE).parts
                name = target[0].removesuffix(".py") if target else "__init__"
                if name != source:
                    edges[source].add(name)
    return edges, absolute


def test_layers_import_only_the_layers_above_them():
    edges, _ = _imports()
    for source, targets in edges.items():
        assert targets <= ALLOWED[source], (source, targets - ALLOWED[source])


def test_nn_never_imports_scikit_learn_and_private_names_go_through_compat():
    _, absolute = _imports()
    assert not any(m.split(".")[0] == "sklearn" for m in absolute["nn"])
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_compat.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("sklearn"):
                private = [a.name for a in node.names
                           if a.name.startswith("_")]
                assert not private and "._" not in node.module, (path, node.module)
