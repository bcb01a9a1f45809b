"""stores.sync"""
