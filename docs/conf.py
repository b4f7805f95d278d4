"""Sphinx configuration: build with ``sphinx-build -W -b html docs docs/_build/html``."""

import sklearn_reinject

project = "sklearn-reinject"
release = version = sklearn_reinject.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
autosummary_generate = True
templates_path = ["_templates"]
# Document our own methods, inherited ones included, but not scikit-learn's
# generic machinery (metadata routing, set_output, get_params, ...).
autodoc_default_options = {
    "members": True,
    "inherited-members": ("BaseEstimator,TransformerMixin,ClassifierMixin,"
                          "MetaEstimatorMixin,ClassNamePrefixFeaturesOutMixin,"
                          "_SetOutputMixin,_MetadataRequester,Exception"),
    "exclude-members": ("set_fit_request,set_score_request,"
                        "set_predict_request,set_transform_request,"
                        "set_inverse_transform_request,"
                        "set_partial_fit_request,with_traceback,add_note"),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3
# No network at build time: cross-references to other projects' docs are
# not resolved.
intersphinx_mapping = {}
nitpicky = False
html_theme = "alabaster"
html_static_path = ["_static"]
suppress_warnings = ["myst.xref_missing"]
