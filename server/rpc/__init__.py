"""server.rpc"""
