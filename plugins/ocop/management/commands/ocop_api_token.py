"""``manage.py ocop_api_token --user EMAIL --name NAME [--revoke]``: GraphQL API tokens.

Issues a bearer token for a department system reading the channel report through
``/graphql/`` and prints it once: only its SHA-256 digest is stored, so it cannot be shown
again (issue a new one and revoke the old one instead). ``--revoke`` revokes the user's tokens
with that name. The token is written to standard output only, never logged.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from plugins.ocop.graphql.auth import REPORT_PERMISSION, create_api_token, revoke_api_tokens


class Command(BaseCommand):
    help = "Issue (or revoke) a bearer token for the GraphQL API; the token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Email of the token's user.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke the user's tokens with this name."
        )

    def handle(self, *args, user: str, name: str, revoke: bool, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty.")
        users = list(get_user_model().objects.filter(email__iexact=user.strip())[:2])
        if not users:
            raise CommandError(f"No user has the email {user}.")
        if len(users) > 1:
            raise CommandError(f"Several users have the email {user}; fix that first.")
        owner = users[0]
        if revoke:
            count = revoke_api_tokens(owner, name)
            self.stdout.write(f"Revoked {count} token(s) named “{name}” of {owner.email}.")
            return
        if not owner.is_active or not owner.has_perm(REPORT_PERMISSION):
            self.stderr.write(
                f"Warning: {owner.email} is inactive or lacks {REPORT_PERMISSION}; the token "
                "will be refused for the report until that changes."
            )
        token = create_api_token(owner, name)
        self.stdout.write(token)
