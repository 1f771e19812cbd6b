"""Errors that explain what is wrong with the user's input and how to fix it."""

MAX_PROBLEMS_SHOWN = 20


class InputError(Exception):
    """Bad input: the message names the file and says what to do."""


def problem_list(heading: str, problems: list[str], fix: str) -> str:
    """A message that lists problems under a heading (the first MAX_PROBLEMS_SHOWN of them, and how many more),
    then the fix."""
    lines = [heading, *(f"  {problem}" for problem in problems[:MAX_PROBLEMS_SHOWN])]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    lines.append(f"Fix: {fix}")
    return "\n".join(lines)
