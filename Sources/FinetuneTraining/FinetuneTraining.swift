import FinetuneNN
import FinetuneData
import FinetuneIO
