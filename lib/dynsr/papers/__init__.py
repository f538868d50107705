"""Numbers printed in the papers, transcribed as data (never computed here).

One module per paper. Each table is a list of :class:`PaperValue`; the source of every number is
the paper's table; how damaged or ambiguous cells were read is recorded per paper (UDVD:
``docs/decisions/udvd.md``, U20-U21; DASR: ``docs/decisions/dasr.md``, D21, D25).
"""

from dynsr.papers.records import PaperValue

__all__ = ["PaperValue"]
