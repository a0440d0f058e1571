"""Evidence lists a run holds compressed, one entry per workspace.

A large region's evidence is mostly per-workspace lists of small API objects: at 500 workspaces
with 60 deployments each, some 200,000 pydantic instances, over 250 MB as live models. Each
workspace's part is packed once it is collected (a few KB) and unpacked again, one workspace at
a time, when a rule reads it or the run writes evidence.json.

An entry is the pickled model, compressed: exact (a lone surrogate in a name survives, which
JSON text would not), unpacked without validating again, and never leaves the process.

`Packed[M]` reads like a list of M: `len`, indexing, iteration, equality with a list. It is
immutable: an entry read from it is a fresh copy, so changing one changes nothing stored.
In a model, a field `Packed[M]` validates like `list[M]` (same errors, same locations) and
serializes like it too.
"""

from __future__ import annotations

import pickle
import zlib
from typing import Any, Generic, Iterator, Sequence, TypeVar, get_args, overload

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import core_schema

M = TypeVar("M", bound=BaseModel)
LEVEL = 1  # the fastest level; higher ones cost time for little


class Packed(Sequence[M], Generic[M]):
    __slots__ = ("model", "_blobs")

    def __init__(self, model: type[M], items: Sequence[M] = ()) -> None:
        self.model = model
        self._blobs: tuple[bytes, ...] = tuple(pack(item) for item in items)

    @classmethod
    def of_packed(cls, model: type[M], blobs: Sequence[bytes]) -> "Packed[M]":
        """From entries `pack` already made (so a collector can pack each workspace as it finishes)."""
        packed = cls(model)
        packed._blobs = tuple(blobs)
        return packed

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, index: int) -> M: ...

    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._unpack(b) for b in self._blobs[index]]
        return self._unpack(self._blobs[index])

    def __iter__(self) -> Iterator[M]:
        for blob in self._blobs:
            yield self._unpack(blob)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Packed) and self._blobs == other._blobs:
            return True
        if isinstance(other, (Packed, list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  - compared by content, like a list

    def __repr__(self) -> str:
        return f"Packed[{self.model.__name__}]({len(self)} entries, {self.nbytes} bytes)"

    @property
    def nbytes(self) -> int:
        return sum(len(b) for b in self._blobs)

    def _unpack(self, blob: bytes) -> M:
        return pickle.loads(zlib.decompress(blob))  # noqa: S301 - made by pack() in this process

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        args = get_args(source)
        if len(args) != 1:
            raise TypeError("use Packed[SomeModel]")
        model = args[0]
        as_list = handler.generate_schema(list[model])

        def validate(value: Any, as_models: core_schema.ValidatorFunctionWrapHandler) -> Packed:
            if isinstance(value, cls) and value.model is model:
                return value
            return cls(model, as_models(value))  # errors keep their list locations: workspaces[3].members

        return core_schema.no_info_wrap_validator_function(
            validate, as_list, serialization=core_schema.plain_serializer_function_ser_schema(
                list, return_schema=as_list))


def pack(item: BaseModel) -> bytes:
    return zlib.compress(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL), LEVEL)
