"""Use cases: load rows, call the domain, write rows. Views call these and commit once."""
from .accounts import (  # noqa: F401
    DEMO_ACCOUNTS,
    ImportResult,
    LoginOutcome,
    agency_by_name,
    authenticate,
    create_user,
    database_is_reachable,
    email_taken,
    ensure_demo_accounts,
    ensure_demo_agencies,
    import_users,
    new_password,
    username_taken,
    would_remove_last_admin,
)
from .content import load_content  # noqa: F401
