"""The `kam` command: Django's management entry point, our commands listed first."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "kam"
    if len(argv) == 1 or argv[1:] in (["help"], ["--help"], ["-h"]):
        _print_help()
        return
    execute_from_command_line(argv)


def _print_help() -> None:
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    ours = sorted(name for name, app in commands.items() if app.startswith("kam."))
    print("Usage: kam <command> [options]   (kam help <command> for details)\n")
    print("KAM commands:")
    for name in ours:
        help_text = load_command_class(commands[name], name).help.strip().splitlines()
        print(f"  {name:<14} {help_text[0] if help_text else ''}")
    print("\nDjango commands:")
    others = sorted(name for name in commands if name not in ours)
    for i in range(0, len(others), 6):
        print("  " + "  ".join(others[i : i + 6]))
