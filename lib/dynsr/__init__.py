"""dynsr: dynamic-convolution super-resolution, reproduced.

Reference implementations of UDVD, DMSR, GLDFN, DASR and ArcSR, with the degradation
pipelines, metrics and test sets of each paper. See README.md.
"""

__version__ = "0.1.0"
