"""What a response handler receives, and the paging schemes of the real APIs (reference 9.4)."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..backend import Backend, RegionState
from ..exceptions import InvalidNextToken, InvalidParameter
from ..protocol import get_int


@dataclass
class Call:
    backend: Backend
    region: RegionState
    action: str
    version: str
    params: Dict[str, str]
    path_params: Dict[str, str]
    request_id: str
    access_key_id: str = ""
    body: Optional[Dict[str, Any]] = None  # a ROA request's JSON body


Handler = Callable[[Call], Dict[str, Any]]


def page_by_number(call: Call, items: Sequence[Any], default_size: int = 10,
                   max_size: int = 100) -> Tuple[Sequence[Any], Dict[str, int]]:
    """PageNumber (1-based) / PageSize / TotalCount. A PageSize above the documented cap is
    served at the cap (what the real service does there is UNCONFIRMED)."""
    number = get_int(call.params, "PageNumber", 1)
    size = get_int(call.params, "PageSize", default_size)
    if number < 1:
        raise InvalidParameter("PageNumber", "It must be at least 1.")
    if size < 1:
        raise InvalidParameter("PageSize", "It must be at least 1.")
    size = min(size, max_size)
    start = (number - 1) * size
    info = {"PageNumber": number, "PageSize": size, "TotalCount": len(items)}
    return items[start:start + size], info


def _binding(bound: Dict[str, Any]) -> str:
    text = json.dumps(bound, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_token(offset: int, bound: Dict[str, Any]) -> str:
    """An opaque cursor that only works with the same other parameters (as LookupEvents says)."""
    raw = json.dumps({"o": offset, "b": _binding(bound)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, bound: Dict[str, Any]) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, binding = int(data["o"]), data["b"]
    except (ValueError, KeyError, TypeError):
        raise InvalidNextToken() from None
    if binding != _binding(bound):
        raise InvalidNextToken("The NextToken was issued for different request parameters.")
    return offset


def page_by_token(items: Sequence[Any], token: str, size: int,
                  bound: Dict[str, Any]) -> Tuple[Sequence[Any], str]:
    """Cursor paging: the next token is empty on the last page."""
    start = read_token(token, bound) if token else 0
    page = items[start:start + size]
    more = start + size < len(items)
    return page, make_token(start + size, bound) if more else ""


def dump_all(objs: List[Any], **kw: Any) -> List[Dict[str, Any]]:
    return [o.wire(**kw) for o in objs]
