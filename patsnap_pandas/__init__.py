"""patsnap-pandas: PatSnap design-patent image search in Jupyter and pandas."""

__version__ = "0.1.0"
