from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve KAM over HTTP (migrates first). Put a reverse proxy in front in production."

    def add_arguments(self, parser):
        parser.add_argument("addr", nargs="?", default="127.0.0.1:8000", help="[host:]port")
        parser.add_argument("--no-migrate", action="store_true", help="skip migrate")

    def handle(self, *args, addr, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"KAM at http://{addr}/  (Ctrl+C stops)")
        call_command("runserver", addr, use_reloader=False)
