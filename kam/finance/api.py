from kam.core.api import resource
from kam.finance.filters import ContractFilter
from kam.finance.models import Contract, ContractLine, Delivery, Expense, Payment, Product

routes = [
    ("products", resource(Product, search=("code", "name", "category"))),
    ("contracts", resource(Contract, filterset=ContractFilter)),
    ("contract_lines", resource(ContractLine)),
    ("payments", resource(Payment)),
    ("deliveries", resource(Delivery)),
    ("expenses", resource(Expense, search=("code", "note"))),
]
