# Type stubs of the native module segs._segs (checked against the built
# module by `python -m mypy.stubtest segs` and tests/python/test_stubs.py).
import datetime
import uuid
from typing import type_check_only, Any, Callable, Generic, Iterator, Mapping, Optional, Sequence, Tuple, TypeVar, Union

__version__: str

_T = TypeVar("_T")
_Duration = Union[datetime.timedelta, int, float]
_Id = Union[uuid.UUID, str]
_JsonObject = Union[dict[str, Any], str]
_RateLimit = Tuple[int, _Duration]
_Headers = Union[Mapping[str, str], Sequence[Tuple[str, str]]]

# pybind11 classes are instances of pybind11_builtins.pybind11_type.
@type_check_only
class _pybind11_type(type): ...

# --- errors -----------------------------------------------------------------

class Error(Exception):
    """Base class of every libsegs error."""

    code: str
    message: str
    field: Optional[str]
    detail: str
    retry_after: Optional[datetime.timedelta]
    http_status: int

class ValidationError(Error): ...
class Unauthorized(Error): ...
class Forbidden(Error): ...
class EmailNotVerified(Error): ...
class AccountSuspended(Error): ...
class NotFound(Error): ...
class Conflict(Error): ...
class PayloadTooLarge(Error): ...
class UnsupportedMediaType(Error): ...
class RateLimited(Error): ...
class AccountLocked(Error): ...
class InternalError(Error): ...
class SchemaMismatch(Error): ...
class ServiceUnavailable(Error): ...

# --- clocks -----------------------------------------------------------------

class Clock(metaclass=_pybind11_type):
    def now(self) -> datetime.datetime: ...

class SystemClock(Clock):
    def __init__(self) -> None: ...

class ManualClock(Clock):
    def __init__(self, start: datetime.datetime) -> None: ...
    def advance(self, by: _Duration) -> None: ...
    def set(self, t: datetime.datetime) -> None: ...

# --- value types ------------------------------------------------------------

class Principal(metaclass=_pybind11_type):
    @property
    def type(self) -> str: ...
    @property
    def id(self) -> Optional[uuid.UUID]: ...
    @property
    def role(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def permissions(self) -> list[str]: ...
    @property
    def meter_ids(self) -> list[str]: ...
    @property
    def session_id(self) -> Optional[uuid.UUID]: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    def can(self, permission: str) -> bool: ...
    @staticmethod
    def system() -> Principal: ...
    @staticmethod
    def anonymous() -> Principal: ...

class User(metaclass=_pybind11_type):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...
    @property
    def username(self) -> Optional[str]: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def department_metadata(self) -> dict[str, Any]: ...
    @property
    def wallet_address(self) -> Optional[str]: ...
    @property
    def email_verified(self) -> bool: ...
    @property
    def has_password(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def status_reason(self) -> Optional[str]: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def last_login_at(self) -> Optional[datetime.datetime]: ...

class TokenPair(metaclass=_pybind11_type):
    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_in(self) -> int: ...
    @property
    def session_id(self) -> uuid.UUID: ...
    @property
    def user(self) -> User: ...

class Verification(metaclass=_pybind11_type):
    @property
    def user(self) -> User: ...
    @property
    def tokens(self) -> Optional[TokenPair]: ...

class Session(metaclass=_pybind11_type):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def last_used_at(self) -> Optional[datetime.datetime]: ...
    @property
    def ip(self) -> str: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def current(self) -> bool: ...

class NotificationPreferences(metaclass=_pybind11_type):
    email: bool
    sms: bool
    push: bool
    alerts: bool
    billing: bool
    trading: bool
    security: bool
    def __init__(
        self,
        *,
        email: bool = True,
        sms: bool = False,
        push: bool = True,
        alerts: bool = True,
        billing: bool = True,
        trading: bool = True,
        security: bool = True,
    ) -> None: ...
    @property
    def updated_at(self) -> datetime.datetime: ...

class Page(Generic[_T], metaclass=_pybind11_type):
    @property
    def items(self) -> list[_T]: ...
    @property
    def total(self) -> int: ...
    @property
    def page(self) -> int: ...
    @property
    def per_page(self) -> int: ...
    @property
    def total_pages(self) -> int: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[_T]: ...

class DepartmentInfo(metaclass=_pybind11_type):
    @property
    def name(self) -> str: ...
    @property
    def user_count(self) -> int: ...
    @property
    def active_users(self) -> int: ...
    @property
    def users_by_role(self) -> dict[str, int]: ...
    @property
    def regions(self) -> list[str]: ...

class RoleDefinition(metaclass=_pybind11_type):
    @property
    def name(self) -> str: ...
    @property
    def permissions(self) -> list[str]: ...
    @property
    def scope(self) -> str: ...
    @property
    def self_service(self) -> bool: ...
    @property
    def builtin(self) -> bool: ...

class ApiKey(metaclass=_pybind11_type):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def prefix(self) -> str: ...
    @property
    def scopes(self) -> list[str]: ...
    @property
    def region(self) -> Optional[str]: ...
    @property
    def meter_ids(self) -> list[str]: ...
    @property
    def created_by(self) -> Optional[uuid.UUID]: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def revoked_at(self) -> Optional[datetime.datetime]: ...
    @property
    def last_used_at(self) -> Optional[datetime.datetime]: ...

class CreatedApiKey(metaclass=_pybind11_type):
    @property
    def info(self) -> ApiKey: ...
    @property
    def secret(self) -> str: ...

class AuditRecord(metaclass=_pybind11_type):
    @property
    def seq(self) -> int: ...
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def target_id(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def ip(self) -> str: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...

class AuditVerification(metaclass=_pybind11_type):
    @property
    def intact(self) -> bool: ...
    @property
    def records_checked(self) -> int: ...
    @property
    def first_bad_seq(self) -> Optional[int]: ...
    @property
    def problem(self) -> str: ...
    def __bool__(self) -> bool: ...

class OutboxMessage(metaclass=_pybind11_type):
    @property
    def seq(self) -> int: ...
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def to(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def created_at(self) -> datetime.datetime: ...

# --- services ---------------------------------------------------------------

class Identity(metaclass=_pybind11_type):
    def register_user(
        self,
        *,
        email: str,
        password: Optional[str] = None,
        name: str,
        username: Optional[str] = None,
        role: str = "consumer",
        region: str,
        department: str = "",
        department_metadata: _JsonObject = ...,
        wallet_address: Optional[str] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def verify_email(
        self, email: str, code: str, *, ip: Optional[str] = None, user_agent: Optional[str] = None
    ) -> Verification: ...
    def resend_code(
        self,
        email: str,
        purpose: str = "verify_email",
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def create_user(
        self,
        principal: Principal,
        *,
        email: str,
        password: str,
        name: str,
        username: Optional[str] = None,
        role: str = "consumer",
        region: str,
        department: str = "",
        department_metadata: _JsonObject = ...,
        wallet_address: Optional[str] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def set_password(
        self,
        principal: Principal,
        password: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def change_password(
        self,
        principal: Principal,
        current_password: str,
        new_password: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def forgot_password(
        self, email: str, *, ip: Optional[str] = None, user_agent: Optional[str] = None
    ) -> None: ...
    def reset_password(
        self,
        email: str,
        code: str,
        new_password: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def login(
        self,
        identifier: str,
        password: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> TokenPair: ...
    def refresh(
        self, refresh_token: str, *, ip: Optional[str] = None, user_agent: Optional[str] = None
    ) -> TokenPair: ...
    def authenticate(self, access_token: str) -> Principal: ...
    def authenticate_api_key(self, key: str) -> Principal: ...
    def logout(
        self, principal: Principal, *, ip: Optional[str] = None, user_agent: Optional[str] = None
    ) -> None: ...
    def logout_all(
        self, principal: Principal, *, ip: Optional[str] = None, user_agent: Optional[str] = None
    ) -> None: ...
    def sessions(self, principal: Principal) -> list[Session]: ...
    def profile(self, principal: Principal) -> User: ...
    def update_profile(
        self,
        principal: Principal,
        *,
        name: Optional[str] = None,
        username: Optional[str] = None,
        department: Optional[str] = None,
        department_metadata: Optional[_JsonObject] = None,
        region: Optional[str] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def set_wallet(
        self,
        principal: Principal,
        address: Optional[str],
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def preferences(self, principal: Principal) -> NotificationPreferences: ...
    def set_preferences(
        self,
        principal: Principal,
        preferences: NotificationPreferences,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> NotificationPreferences: ...
    def list_users(
        self,
        principal: Principal,
        *,
        search: str = "",
        role: Optional[str] = None,
        region: Optional[str] = None,
        department: Optional[str] = None,
        status: Optional[str] = None,
        include_deleted: bool = False,
        page: int = 1,
        per_page: int = 20,
    ) -> Page[User]: ...
    def get_user(self, principal: Principal, user_id: _Id) -> User: ...
    def update_user(
        self,
        principal: Principal,
        user_id: _Id,
        *,
        name: Optional[str] = None,
        email: Optional[str] = None,
        username: Optional[str] = None,
        region: Optional[str] = None,
        department: Optional[str] = None,
        department_metadata: Optional[_JsonObject] = None,
        wallet_address: Optional[str] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def suspend_user(
        self,
        principal: Principal,
        user_id: _Id,
        reason: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def activate_user(
        self,
        principal: Principal,
        user_id: _Id,
        reason: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def delete_user(
        self,
        principal: Principal,
        user_id: _Id,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def change_role(
        self,
        principal: Principal,
        user_id: _Id,
        role: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> User: ...
    def department(self, principal: Principal, name: str) -> DepartmentInfo: ...
    def roles(self) -> list[RoleDefinition]: ...
    def define_role(
        self,
        principal: Principal,
        name: str,
        permissions: Sequence[str],
        *,
        scope: str = "self",
        self_service: bool = False,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> RoleDefinition: ...
    def create_api_key(
        self,
        principal: Principal,
        name: str,
        scopes: Sequence[str],
        *,
        region: Optional[str] = None,
        meter_ids: Sequence[str] = (),
        expires_at: Optional[datetime.datetime] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> CreatedApiKey: ...
    def list_api_keys(self, principal: Principal) -> list[ApiKey]: ...
    def revoke_api_key(
        self,
        principal: Principal,
        key_id: _Id,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...

class Audit(metaclass=_pybind11_type):
    def query(
        self,
        principal: Principal,
        *,
        actor_id: Optional[_Id] = None,
        target_id: Optional[_Id] = None,
        involving: Optional[_Id] = None,
        action: Optional[str] = None,
        outcome: Optional[str] = None,
        from_: Optional[datetime.datetime] = None,
        to: Optional[datetime.datetime] = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[AuditRecord]: ...
    def activity(
        self, principal: Principal, user_id: _Id, *, page: int = 1, per_page: int = 50
    ) -> Page[AuditRecord]: ...
    def verify(self, principal: Principal) -> AuditVerification: ...

class Outbox(metaclass=_pybind11_type):
    def drain(self, max: int = 100) -> list[OutboxMessage]: ...
    def pending(self) -> int: ...
    def set_listener(self, listener: Optional[Callable[[OutboxMessage], object]]) -> None: ...

class Grid(metaclass=_pybind11_type):
    @staticmethod
    def open(
        url: str,
        *,
        clock: Optional[Clock] = None,
        access_token_ttl: Optional[_Duration] = None,
        refresh_token_ttl: Optional[_Duration] = None,
        session_ttl: Optional[_Duration] = None,
        otp_ttl: Optional[_Duration] = None,
        otp_max_attempts: Optional[int] = None,
        otp_resend_cooldown: Optional[_Duration] = None,
        max_login_attempts: Optional[int] = None,
        lockout_window: Optional[_Duration] = None,
        lockout_base: Optional[_Duration] = None,
        lockout_max: Optional[_Duration] = None,
        password_min_length: Optional[int] = None,
        password_max_length: Optional[int] = None,
        argon2_opslimit: Optional[int] = None,
        argon2_memlimit: Optional[int] = None,
        signing_key: Optional[bytes] = None,
        token_algorithm: str = "eddsa",
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
        pool_size: Optional[int] = None,
        busy_timeout: Optional[_Duration] = None,
        max_retries: Optional[int] = None,
        migrate: bool = True,
    ) -> Grid: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def backend_name(self) -> str: ...
    @property
    def schema_version(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def ready(self) -> bool: ...
    def now(self) -> datetime.datetime: ...
    def close(self) -> None: ...
    def __enter__(self) -> Grid: ...
    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None: ...

# --- REST -------------------------------------------------------------------

class Handler(metaclass=_pybind11_type):
    def __init__(
        self,
        grid: Grid,
        *,
        cors_origins: Sequence[str] = (),
        max_body_bytes: int = 10485760,
        rate_limits: bool = True,
        anonymous: Optional[_RateLimit] = None,
        authenticated: Optional[_RateLimit] = None,
        admin: Optional[_RateLimit] = None,
        auth_routes: Optional[_RateLimit] = None,
    ) -> None: ...
    def handle(
        self,
        method: str,
        target: str,
        headers: _Headers = (),
        body: Union[bytes, str, None] = b"",
        peer: str = "127.0.0.1",
    ) -> Tuple[int, list[Tuple[str, str]], bytes]: ...
    @property
    def openapi(self) -> str: ...
