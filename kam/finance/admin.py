from kam.core.admin import register
from kam.finance.models import Contract, ContractLine, Delivery, Expense, Payment, Product

register(Product, Contract, ContractLine, Payment, Delivery, Expense)
