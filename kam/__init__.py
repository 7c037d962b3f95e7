"""KAM: key-account management (大客户管理)."""
