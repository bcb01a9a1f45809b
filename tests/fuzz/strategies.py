"""Hypothesis strategies built from protobuf descriptors: any request message of any RPC."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor, struct_pb2
from google.protobuf.descriptor import FieldDescriptor as F
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

#: Strings that must be stored verbatim and never change what a query does.
INJECTION = [
    "'; DROP TABLE training_content; --", "\" OR 1=1 --", "x') OR ('a'='a", "1; SELECT pg_sleep(5)",
    "$$; DELETE FROM learner_profiles; $$", "') RETURN 1 //", "x'}) MATCH (n) DETACH DELETE n //",
    "MATCH (n) DETACH DELETE n", "{name:String}", "%(x)s", "\\x00", "🙂" * 10, "٣", "a\u202eb",
    "../../etc/passwd", "${jndi:ldap://x}", "<script>alert(1)</script>",
]

_INT32 = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 2**31 - 1, -(2**31)]))
_INT64 = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 2**63 - 1, -(2**63)]))
_UINT32 = st.integers(0, 2**32 - 1)
_UINT64 = st.integers(0, 2**64 - 1)
_DOUBLE = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0.0, -0.0, 1.0, 1e308, -1e308, 5e-324, 0.5]))
_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(INJECTION),
                  st.sampled_from(["", " ", "00000000-0000-0000-0000-000000000000"]),
                  st.text(min_size=300, max_size=2000), st.uuids().map(str))


def _json_value(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
                     _TEXT)
    if depth <= 0:
        return leaf
    return st.one_of(leaf, st.lists(_json_value(depth - 1), max_size=3),
                     st.dictionaries(st.text(max_size=8), _json_value(depth - 1), max_size=3))


def _deep_struct(levels: int) -> struct_pb2.Struct:
    """A Struct nested `levels` deep (to probe depth limits)."""
    inner: dict[str, Any] = {"leaf": 1}
    for _ in range(levels):
        inner = {"n": inner}
    out = struct_pb2.Struct()
    out.update(inner)
    return out


def struct_strategy() -> st.SearchStrategy[struct_pb2.Struct]:
    def build(value: dict[str, Any]) -> struct_pb2.Struct:
        out = struct_pb2.Struct()
        out.update(value)
        return out

    return st.one_of(
        st.dictionaries(st.text(max_size=10), _json_value(3), max_size=5).map(build),
        st.sampled_from([20, 40]).map(_deep_struct),  # protobuf itself caps nesting near 100
        st.just(struct_pb2.Struct()),
    )


def _scalar(field: descriptor.FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32):
        return _INT32
    if t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64):
        return _INT64
    if t in (F.TYPE_UINT32, F.TYPE_FIXED32):
        return _UINT32
    if t in (F.TYPE_UINT64, F.TYPE_FIXED64):
        return _UINT64
    if t in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return _DOUBLE if t == F.TYPE_DOUBLE else st.floats(width=32)
    if t == F.TYPE_BOOL:
        return st.booleans()
    if t == F.TYPE_STRING:
        return _TEXT
    if t == F.TYPE_BYTES:
        return st.one_of(st.binary(max_size=64), st.just(b"\xff\xfe\x80 invalid utf-8"))
    if t == F.TYPE_ENUM:
        numbers = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(numbers), st.integers(-5, 99))
    raise TypeError(f"unsupported field type {t}")


def _repeated(field: descriptor.FieldDescriptor) -> bool:
    is_repeated = getattr(field, "is_repeated", None)  # protobuf ≥ 6 dropped `label` on upb
    return bool(is_repeated) if is_repeated is not None else field.label == F.LABEL_REPEATED


def message_strategy(desc: descriptor.Descriptor, depth: int = 3) -> st.SearchStrategy[Message]:
    """Messages of desc with random subsets of fields set to hostile and ordinary values."""
    cls = GetMessageClass(desc)
    if desc.full_name == "google.protobuf.Struct":
        return struct_strategy()  # type: ignore[return-value]
    if desc.full_name == "google.protobuf.Timestamp":
        return st.builds(lambda s, n: cls(seconds=s, nanos=n),
                         st.one_of(st.integers(-62135596800, 253402300799), st.sampled_from([0, 1, -1])),
                         st.integers(0, 999_999_999))
    if desc.full_name == "google.protobuf.FieldMask":
        names = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["name", "version", "x.y"])),
                         max_size=4)
        return names.map(lambda paths: cls(paths=paths))

    field_strategies: dict[str, st.SearchStrategy[Any]] = {}
    for field in desc.fields:
        if field.type == F.TYPE_MESSAGE:
            if depth <= 0:
                continue
            if field.message_type.GetOptions().map_entry:
                key_field = field.message_type.fields_by_name["key"]
                value_field = field.message_type.fields_by_name["value"]
                if value_field.type == F.TYPE_MESSAGE:
                    continue
                field_strategies[field.name] = st.dictionaries(_scalar(key_field), _scalar(value_field),
                                                               max_size=4)
                continue
            inner = message_strategy(field.message_type, depth - 1)
            field_strategies[field.name] = st.lists(inner, max_size=3) if _repeated(field) else inner
        else:
            field_strategies[field.name] = (st.lists(_scalar(field), max_size=5) if _repeated(field)
                                            else _scalar(field))

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        msg = cls()
        chosen = draw(st.lists(st.sampled_from(sorted(field_strategies)), unique=True,
                               max_size=len(field_strategies))) if field_strategies else []
        for name in chosen:
            value = draw(field_strategies[name])
            field = desc.fields_by_name[name]
            try:
                if field.type == F.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
                    getattr(msg, name).update(value)
                elif isinstance(value, list):
                    getattr(msg, name).extend(value)
                elif field.type == F.TYPE_MESSAGE:
                    getattr(msg, name).CopyFrom(value)
                else:
                    setattr(msg, name, value)
            except (ValueError, TypeError, DecodeError):
                continue  # e.g. a oneof sibling or a value the runtime itself refuses
        return msg

    return build()
