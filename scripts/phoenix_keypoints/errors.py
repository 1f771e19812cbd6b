"""Errors that explain what is wrong with the user's input and how to fix it."""


class InputError(Exception):
    """Bad input: the message names the file and says what to do."""
