"""The shipped stubs (segs/_segs.pyi) match the native module, and every
public class, method and property carries a docstring. (scripts/test.sh also
runs `python -m mypy.stubtest segs`.)"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Dict, Set

import segs
import segs._segs as native
import segs.rest

STUB = Path(segs.__file__).with_name("_segs.pyi")


def public(name: str) -> bool:
    return not name.startswith("_")


def stub_tree() -> ast.Module:
    assert STUB.is_file(), f"{STUB} is not installed"
    assert Path(segs.__file__).with_name("py.typed").is_file()
    return ast.parse(STUB.read_text())


def stub_names() -> Dict[str, Set[str]]:
    """Top-level public names -> public member names (empty for non-classes)."""
    out: Dict[str, Set[str]] = {}
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef) and public(node.name):
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            out[node.name] = {m for m in members if public(m)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if public(node.target.id) or node.target.id == "__version__":
                out[node.target.id] = set()
        elif isinstance(node, ast.FunctionDef) and public(node.name):
            out[node.name] = set()
    return out


def runtime_names() -> Dict[str, Set[str]]:
    out: Dict[str, Set[str]] = {"__version__": set()}
    for name, obj in vars(native).items():
        if not public(name) or inspect.ismodule(obj):
            continue
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                # exception attributes live on segs.Error; subclasses add none
                members = {m for m in vars(obj) if public(m)} if obj is native.Error else set()
                out[name] = members - {"add_note", "args", "with_traceback"}
            else:
                out[name] = {m for m in vars(obj) if public(m)}
        else:
            out[name] = set()
    return out


def test_stub_and_module_have_the_same_names() -> None:
    stub, runtime = stub_names(), runtime_names()
    assert sorted(stub) == sorted(runtime)
    for name in stub:
        assert stub[name] == runtime[name], name


def test_package_reexports_the_module() -> None:
    exported = set(segs.__all__)
    assert exported == set(runtime_names()) - {"Handler"}
    for name in exported:
        assert getattr(segs, name) is getattr(native, name)
    assert segs.rest.Handler is native.Handler


def test_error_hierarchy() -> None:
    codes = {
        "ValidationError": ("VALIDATION_ERROR", 400), "Unauthorized": ("UNAUTHORIZED", 401),
        "Forbidden": ("FORBIDDEN", 403), "EmailNotVerified": ("EMAIL_NOT_VERIFIED", 403),
        "AccountSuspended": ("ACCOUNT_SUSPENDED", 403), "NotFound": ("NOT_FOUND", 404),
        "Conflict": ("CONFLICT", 409), "PayloadTooLarge": ("PAYLOAD_TOO_LARGE", 413),
        "UnsupportedMediaType": ("UNSUPPORTED_MEDIA_TYPE", 415),
        "RateLimited": ("RATE_LIMITED", 429), "AccountLocked": ("ACCOUNT_LOCKED", 429),
        "InternalError": ("INTERNAL_ERROR", 500), "SchemaMismatch": ("SCHEMA_MISMATCH", 500),
        "ServiceUnavailable": ("SERVICE_UNAVAILABLE", 503),
    }
    for name, (code, status) in codes.items():
        cls = getattr(segs, name)
        assert issubclass(cls, segs.Error) and issubclass(cls, Exception)
        assert cls.code == code and cls.http_status == status
        assert cls.__module__ == "segs" and cls.__doc__
    assert segs.Error.field is None and segs.Error.retry_after is None


def test_every_public_api_has_a_docstring() -> None:
    missing = []
    for name, obj in vars(native).items():
        if not public(name) or not inspect.isclass(obj):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if issubclass(obj, BaseException):
            continue
        for member, value in vars(obj).items():
            if not public(member):
                continue
            doc = getattr(value, "__doc__", None) or ""
            if isinstance(value, staticmethod):
                doc = value.__func__.__doc__ or ""
            # pybind11 puts the signature on the first line; require text after it
            text = doc.split("\n", 1)[1].strip() if callable(value) and "\n" in doc else doc
            if not text.strip():
                missing.append(f"{name}.{member}")
    assert missing == []
