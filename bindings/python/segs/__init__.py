"""libsegs for Python: the embeddable back end of a smart energy grid.

Open a grid on a storage URL and call its services::

    import segs

    with segs.Grid.open("sqlite:var/grid.db") as grid:
        user = grid.identity.register_user(
            email="ada@example.org", password="correct horse battery staple",
            name="Ada", region="north")
        for msg in grid.outbox.drain():          # the verification code
            grid.identity.verify_email(msg.to, msg.code)
        tokens = grid.identity.login("ada@example.org", "correct horse battery staple")
        who = grid.identity.authenticate(tokens.access_token)
        print(grid.identity.profile(who).name)

Every failure raises a subclass of :class:`segs.Error` named after its code
(``ValidationError``, ``Unauthorized``, ``AccountLocked``, ...). The REST
layer is in :mod:`segs.rest`, a WSGI adapter in :mod:`segs.wsgi`.
"""

from __future__ import annotations

from ._segs import (
    AccountLocked,
    AccountSuspended,
    ApiKey,
    Audit,
    AuditRecord,
    AuditVerification,
    Clock,
    Conflict,
    CreatedApiKey,
    DepartmentInfo,
    EmailNotVerified,
    Error,
    Forbidden,
    Grid,
    Identity,
    InternalError,
    ManualClock,
    NotFound,
    NotificationPreferences,
    Outbox,
    OutboxMessage,
    Page,
    PayloadTooLarge,
    Principal,
    RateLimited,
    RoleDefinition,
    SchemaMismatch,
    ServiceUnavailable,
    Session,
    SystemClock,
    TokenPair,
    Unauthorized,
    UnsupportedMediaType,
    User,
    ValidationError,
    Verification,
    __version__,
)

__all__ = [
    "AccountLocked",
    "AccountSuspended",
    "ApiKey",
    "Audit",
    "AuditRecord",
    "AuditVerification",
    "Clock",
    "Conflict",
    "CreatedApiKey",
    "DepartmentInfo",
    "EmailNotVerified",
    "Error",
    "Forbidden",
    "Grid",
    "Identity",
    "InternalError",
    "ManualClock",
    "NotFound",
    "NotificationPreferences",
    "Outbox",
    "OutboxMessage",
    "Page",
    "PayloadTooLarge",
    "Principal",
    "RateLimited",
    "RoleDefinition",
    "SchemaMismatch",
    "ServiceUnavailable",
    "Session",
    "SystemClock",
    "TokenPair",
    "Unauthorized",
    "UnsupportedMediaType",
    "User",
    "ValidationError",
    "Verification",
    "__version__",
]
