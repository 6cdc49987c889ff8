import Finetune
print("demo-catsdogs: not built yet (see issue 7)")
