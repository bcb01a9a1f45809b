"""Numbered migrations per store; applied and recorded by stores.migrator."""
