"""The accounts an organization sweep covers (DWDIAG_ACCOUNTS), and a session in each.

`self` is the credentials' own account; a list of ids is taken as given; `resource-directory` lists the
directory's members with ListAccounts (the management account or a delegated administrator may), keeps
those in DWDIAG_ACCOUNT_FOLDERS if any, drops DWDIAG_EXCLUDE_ACCOUNTS, and sweeps only the members that
are in the directory in good standing. The others are kept, with their status, for the run summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from dwdiag.clients import ClientError, Session
from dwdiag.clients.assume import AssumedRole, role_arn, session_name
from dwdiag.errors import UserError
from dwdiag.models.common import CallError
from dwdiag.settings import Settings

# Member statuses of a Resource Directory (ListAccounts `Status`) under which the account exists and belongs
# to the directory: created or invited successfully, or (a resource account) being or having been promoted to
# a cloud account, which does not change its membership. The Create* states other than CreateSuccess are an
# account that does not exist yet (docs/evidence.md#organization).
ACTIVE_STATUSES = frozenset({"CreateSuccess", "InviteSuccess", "PromoteSuccess", "PromoteVerifying", "PromoteFailed",
                             "PromoteExpired", "PromoteCancelled"})


@dataclass(frozen=True)
class Member:
    account_id: str
    name: str = ""
    folder_id: str = ""
    status: str = ""          # the directory's word for it; "" when the account was named, not listed
    deletion_status: str = ""
    folders: tuple[str, ...] = ()  # every folder it is in, its own first, up to the root (ResourceDirectoryPath)

    @property
    def active(self) -> bool:
        return (not self.status or self.status in ACTIVE_STATUSES) and not self.deletion_status

    @property
    def within(self) -> tuple[str, ...]:
        """The folders the account is in: a folder holds its sub-folders' accounts too."""
        return self.folders or ((self.folder_id,) if self.folder_id else ())

    def folder_for(self, keys: Iterable[str]) -> str:
        """The nearest of its folders that is one of `keys` (say, a folder with an alert route), else its own."""
        wanted = set(keys)
        return next((f for f in self.within if f in wanted), self.folder_id)

    def about(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("folder_id", self.folder_id), ("status", self.status),
                                  ("deletion_status", self.deletion_status)) if v}


@dataclass
class Accounts:
    """Whom to sweep, and who was left out and why (account id -> reason)."""

    members: list[Member]
    left_out: dict[str, dict[str, str]] = field(default_factory=dict)
    organization: bool = False  # more than the credentials' own account may be swept


def resolve_accounts(settings: Settings, session: Session) -> Accounts:
    """The accounts to sweep, from DWDIAG_ACCOUNTS. `session` is the scanning account's."""
    if settings.accounts == "self":
        return Accounts([])
    if isinstance(settings.accounts, list):
        members = [Member(a) for a in settings.accounts]
    else:
        members = list_directory(session)
    out = Accounts([], organization=True)
    for member in members:
        why = None
        if member.account_id in settings.exclude_accounts:
            why = "excluded (DWDIAG_EXCLUDE_ACCOUNTS)"
        elif settings.account_folders and member.status and not set(member.within) & set(settings.account_folders):
            why = "not in DWDIAG_ACCOUNT_FOLDERS"
        elif not member.active:
            why = f"not swept: its status in the resource directory is {member.deletion_status or member.status}"
        if why:
            out.left_out[member.account_id] = {**member.about(), "swept": "no", "why": why}
        else:
            out.members.append(member)
    return out


def list_directory(session: Session) -> list[Member]:
    try:
        rows = session.client("resourcedirectory").collect("list_accounts")
    except ClientError as err:
        raise UserError(f"could not list the resource directory's members ({err.code}: {err.message or 'no message'}). "
                        "DWDIAG_ACCOUNTS=resource-directory needs the management account or a delegated "
                        "administrator, allowed resourcemanager:ListAccounts; or name the accounts in "
                        "DWDIAG_ACCOUNTS") from None
    members = []
    for row in rows:
        account = str(row.get("AccountId") or "")
        if account:
            members.append(Member(account, name=str(row.get("DisplayName") or ""), folder_id=str(row.get("FolderId") or ""),
                                  status=str(row.get("Status") or "unknown"),
                                  deletion_status=str(row.get("DeletionStatus") or ""),
                                  folders=_folders(row)))
    return members


def _folders(row: dict) -> tuple[str, ...]:
    """Its folders, its own first, from ResourceDirectoryPath (`<rd>/<root folder>/<folder>.../<account>`, the
    ListAccounts example); without a path, its FolderId alone."""
    parts = [p for p in str(row.get("ResourceDirectoryPath") or "").split("/") if p]
    if len(parts) >= 3 and parts[-1] == str(row.get("AccountId")):
        return tuple(reversed(parts[1:-1]))
    folder = str(row.get("FolderId") or "")
    return (folder,) if folder else ()


def member_credentials(settings: Settings, session: Session, member: Member, run_id: Optional[str]) -> AssumedRole:
    """The provider of the member role's credentials (assumed on first use, renewed as they age)."""
    return AssumedRole(session, role_arn(member.account_id, settings.member_role), session_name(run_id),
                       duration_seconds=settings.member_session_seconds,
                       renew_before=settings.member_session_renew_seconds)


def refused(settings: Settings, member: Member, err: ClientError) -> CallError:
    """What stands for a member's evidence when its role could not be assumed: names the role and the fix."""
    arn = role_arn(member.account_id, settings.member_role)
    if err.code.startswith("EntityNotExist"):
        fix = (f"the role does not exist in account {member.account_id}: deploy deploy/member-role.yml there "
               "(a ROS stack group over the resource directory does every member)")
    elif err.code.startswith("NoPermission") or err.http_status == 403:
        fix = (f"the role refused this scanner: its trust policy must name the scanning account's function role, "
               "and the scanner's policy must allow sts:AssumeRole on it (scripts/deploy policy)")
    else:
        fix = "check the role and STS, then run again"
    return CallError(product="sts", operation="AssumeRole", code=err.code,
                     message=f"could not assume {arn} ({err.code}): {fix}", request_id=err.request_id)
