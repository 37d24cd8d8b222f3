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

The energy market is ``grid.market`` (:class:`segs.Market`): prices are
``decimal.Decimal`` currency per kWh, quantities ``Decimal`` kWh, delivery
slots aware ``datetime`` objects; ``examples/python/simulate_day.py`` runs a day.

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
    BookLevel,
    ClearingResult,
    Clock,
    Conflict,
    CreatedApiKey,
    DepartmentInfo,
    DueWorkReport,
    EmailNotVerified,
    Error,
    Event,
    Events,
    Forbidden,
    Grid,
    Identity,
    InternalError,
    LedgerEntry,
    ManualClock,
    Market,
    MarketEvent,
    MarketEvents,
    MarketInfo,
    MarketSettings,
    MarketStats,
    MarketSubscription,
    NotFound,
    NotificationPreferences,
    Order,
    OrderBook,
    OrderFill,
    Outbox,
    OutboxMessage,
    Page,
    PayloadTooLarge,
    Principal,
    PublicTrade,
    RateLimited,
    Region,
    Regions,
    RoleDefinition,
    SchemaMismatch,
    ServiceUnavailable,
    Session,
    Settlement,
    SystemClock,
    TokenPair,
    Unauthorized,
    UnsupportedMediaType,
    User,
    UserTrade,
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
    "BookLevel",
    "ClearingResult",
    "Clock",
    "Conflict",
    "CreatedApiKey",
    "DepartmentInfo",
    "DueWorkReport",
    "EmailNotVerified",
    "Error",
    "Event",
    "Events",
    "Forbidden",
    "Grid",
    "Identity",
    "InternalError",
    "LedgerEntry",
    "ManualClock",
    "Market",
    "MarketEvent",
    "MarketEvents",
    "MarketInfo",
    "MarketSettings",
    "MarketStats",
    "MarketSubscription",
    "NotFound",
    "NotificationPreferences",
    "Order",
    "OrderBook",
    "OrderFill",
    "Outbox",
    "OutboxMessage",
    "Page",
    "PayloadTooLarge",
    "Principal",
    "PublicTrade",
    "RateLimited",
    "Region",
    "Regions",
    "RoleDefinition",
    "SchemaMismatch",
    "ServiceUnavailable",
    "Session",
    "Settlement",
    "SystemClock",
    "TokenPair",
    "Unauthorized",
    "UnsupportedMediaType",
    "User",
    "UserTrade",
    "ValidationError",
    "Verification",
    "__version__",
]
