"""A DVC-native registry of versioned datasets."""

__version__ = "0.1.0"
