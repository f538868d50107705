"""Numbers printed in the papers, transcribed as data (never computed here).

One module per paper. Each table is a list of :class:`PaperValue`; the source of every number is
the paper's table, as transcribed in ``shared/guides/targets-*.md`` (which checked the markdown
against the official figures where they exist).
"""

from dynsr.papers.records import PaperValue

__all__ = ["PaperValue"]
