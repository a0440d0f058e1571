"""dwdiag: DataWorks platform security diagnostics for Alibaba Cloud."""

__version__ = "0.1.0"
