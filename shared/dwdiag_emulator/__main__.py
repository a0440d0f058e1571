"""`python -m dwdiag_emulator serve ...`"""
from .cli import main

raise SystemExit(main())
