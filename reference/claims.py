"""The documented-claims catalog: every numeric or printed claim of the seed tutorials
(../shared/seeds), with what really holds.

Each claim is data, of one of two kinds. A Measured claim is measured by
suite/conformance/test_claims.py (one test per claim: its check measures its subject and
compares with `expected`). A Covered claim is one that a conformance test checks over its
whole contract; that test carries @covers(claim id). Where the tutorial is wrong,
`tutorial_value` records what it says, `expected` what is really true, and `note` why.

To add a claim: append a Measured claim below, with an existing check of test_claims.CHECKS
(or a new one there), its subject (test_claims.SUBJECTS) and arguments; or a Covered claim,
and mark the test that checks it with @covers.
"""

from dataclasses import dataclass, field
from pathlib import Path

PRINTED = Path(__file__).parent / "printed"


def printed(name: str) -> str:
    """A model printout copied verbatim from a seed (reference/printed/<name>.txt)."""
    return (PRINTED / f"{name}.txt").read_text()


@dataclass(frozen=True)
class Claim:
    """A claim of a seed tutorial: where it is, and how it is written. Where the tutorial is
    wrong, `tutorial_value` records what it says, `expected` what really holds, `note` why."""

    id: str
    seed: str  # seed file prefix, 000 to 004
    where: str  # section or code line in the seed
    as_written: str  # the claim as the tutorial writes or prints it
    expected: object = field(default=None, kw_only=True)  # what is really true
    tutorial_value: object = field(default=None, kw_only=True)  # only where the tutorial is wrong
    note: str = field(default="", kw_only=True)

    @property
    def tutorial_is_wrong(self) -> bool:
        return self.tutorial_value is not None


@dataclass(frozen=True, kw_only=True)
class Measured(Claim):
    """A claim suite/conformance/test_claims.py measures: `check` (a function of its CHECKS)
    measures `subject` (one of its SUBJECTS, or None) with `args` and compares with `expected`.
    Some checks assert the value inside (e.g. against a numpy oracle) and return a fixed label
    such as "(x-m)/s" when it holds; `expected` is then that label."""

    check: str
    subject: str | None = None
    args: dict = field(default_factory=dict)
    needs_torchvision: bool = False


@dataclass(frozen=True)
class Covered(Claim):
    """A claim a conformance test checks over its whole contract: that test carries
    @covers(id) (suite/testing/claims.py)."""


# The 6x6 image seed 002 pools (printed with 4 decimals).
PRINTED_IMAGE = [
    [0.9898, 0.4500, 0.0960, 0.2501, 0.8874, 0.2399],
    [0.8767, 0.9804, 0.6105, 0.7821, 0.1379, 0.1649],
    [0.2308, 0.3177, 0.3534, 0.5684, 0.5967, 0.3972],
    [0.3661, 0.9300, 0.4619, 0.4189, 0.8395, 0.6891],
    [0.4644, 0.1608, 0.2038, 0.6788, 0.0543, 0.4698],
    [0.8717, 0.0946, 0.1381, 0.3624, 0.8110, 0.3646],
]

MYNETWORK_LAYERS = [
    # torchsummary's table in seed 003: (layer, output shape, parameters)
    ("Conv2d", [4, 32, 54, 54], 4736),
    ("BatchNorm2d", [4, 32, 54, 54], 64),
    ("ReLU", [4, 32, 54, 54], 0),
    ("MaxPool2d", [4, 32, 27, 27], 0),
    ("Conv2d", [4, 64, 27, 27], 18496),
    ("BatchNorm2d", [4, 64, 27, 27], 128),
    ("ReLU", [4, 64, 27, 27], 0),
    ("MaxPool2d", [4, 64, 14, 14], 0),
    ("Conv2d", [4, 128, 14, 14], 73856),
    ("AdaptiveAvgPool2d", [4, 128, 1, 1], 0),
    ("Linear", [4, 1024], 132096),
    ("Linear", [4, 2], 2050),
]

CONVBNCONV_LAYERS = [
    # seed 004's summary(model, input_size=(1, 1, 1)); torchsummary prints the batch as -1
    ("Conv2d", [-1, 3, 1, 1], 6),
    ("BatchNorm2d", [-1, 3, 1, 1], 6),
    ("Conv2d", [-1, 5, 1, 1], 15),
]

ALEXNET_MODULE_NAMES = (
    ["", "features"] + [f"features.{i}" for i in range(13)]
    + ["avgpool", "classifier"] + [f"classifier.{i}" for i in range(7)]
)

CLAIMS = [
    # --- seed 000: a single Conv2d model, saving and loading, MobileNetV2 ----------------
    Measured("000-singleconv-state-dict", "000", "2. Analyze PyTorch Model, 출력결과",
          "conv.weight torch.Size([1, 1, 3, 3]); conv.bias torch.Size([1])",
          expected={"conv.weight": [1, 1, 3, 3], "conv.bias": [1]},
          check="state_dict_shapes", subject="SingleConvModel"),
    Measured("000-singleconv-repr", "000", "2. Analyze PyTorch Model, 출력결과",
          printed("singleconv_seed000"), expected=True, check="prints_as", subject="SingleConvModel",
          args={"printout": "singleconv_seed000"}),
    Covered("000-whole-model-load", "000", "loaded_model = torch.load(model_path)",
          "torch.load('Conv2d.pth') gives back the model saved with torch.save(model, ...)",
          tutorial_value="loads",
          note="from torch 2.6 torch.load defaults to weights_only=True and refuses a pickled "
               "module; torch.load(path, weights_only=False) loads it (trusted files only)"),
    Measured("000-mobilenetv2-repr", "000", "3. MobileNetV2 Model, 출력 결과",
          printed("mobilenetv2_seed000"), expected=True, check="prints_as", subject="mobilenet_v2",
          args={"printout": "mobilenetv2_seed000"}, needs_torchvision=True,
          note="from torch 2.12 (suite.testing.versions.BATCHNORM_REPR_BIAS) BatchNorm lines also print "
               "bias=True"),
    Measured("000-mobilenetv2-pretrained", "000", "3. MobileNetV2 Model",
          "models.mobilenetv2.MobileNetV2() 사전학습된 MobileNetV2 모델을 불러올 수 있음 "
          "(loads the pretrained model)",
          expected=False, check="is_pretrained", tutorial_value=True,
          needs_torchvision=True,
          note="the constructor builds randomly initialised weights; pretrained weights need "
               "weights=MobileNet_V2_Weights.DEFAULT (a download)"),
    # --- seed 001: nn.Module, forward ----------------------------------------------------
    Measured("001-nn-module-lowercase", "001", "class MyModel(nn.module)",
          "class MyModel(nn.module) defines a model", expected="AttributeError",
          check="raises", subject="nn.module", tutorial_value="defines a model",
          note="the base class is nn.Module; torch.nn has no attribute 'module'"),
    Measured("001-mymodel-3-channel-shape", "001", "x = torch.rand((1,3,256,256)); y = a(x)",
          "y.shape >>> torch.Size([1, 20, 248, 248])", expected="RuntimeError",
          check="output_shape", subject="MyModel", args={"input": [1, 3, 256, 256]},
          tutorial_value=[1, 20, 248, 248],
          note="conv1 is Conv2d(1, 20, 5): a 3-channel input is rejected (expected 1 channel); "
               "the printed shape is what a 1-channel input gives (next claim)"),
    Measured("001-mymodel-1-channel-shape", "001", "the same model on a 1-channel image",
          "torch.Size([1, 20, 248, 248])", expected=[1, 20, 248, 248], check="output_shape",
          subject="MyModel", args={"input": [1, 1, 256, 256]},
          note="256 - 5 + 1 = 252 after conv1, 252 - 5 + 1 = 248 after conv2"),
    Measured("001-modules-hold-parameters", "001", ".modules는 모델의 weight를 머금고 있는 ... 파라미터를 가진 모듈",
          ".modules() gives the modules that hold parameters", expected=True,
          check="yields_parameterless_modules", subject="NeuralNetwork",
          tutorial_value=False,
          note="modules() yields every module: the model itself, containers, Flatten and ReLU too"),
    Covered("001-call-is-forward", "001", "a(x) 와 a.forward(x) 의 결과는 동일",
          "a(x) gives the same result as a.forward(x)"),
    # --- seed 002: tensors (checked by the tensor conformance tests) ---------------------
    Covered("002-rand-attributes", "002", "텐서의 속성(Attribute)",
          "Shape torch.Size([3, 4]); Datatype torch.float32; Device cpu"),
    Covered("002-indexing", "002", "NumPy식의 표준 인덱싱과 슬라이싱",
          "First row / First column / Last column; tensor[:, 1] = 0 zeroes column 1"),
    Covered("002-cat-shapes", "002", "torch.cat", "cat of three 4x4 tensors: 12x4 (dim 0), 4x12 (dim 1)"),
    Covered("002-item-float", "002", "단일-요소(single-element)텐서", "agg.item() -> <class 'float'>"),
    Covered("002-add-inplace", "002", "바꿔치기(in-place) 연산", "tensor.add_(5) adds 5 in place"),
    Covered("002-bridge", "002", "NumPy 변환(Bridge)",
          "np.add(n, 1, out=n) -> t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)"),
    Measured("002-ones-like", "002", "다른 텐서로부터 생성",
          "torch.ones_like(x_data) -> tensor([[1, 1], [1, 1]]) (keeps int64)",
          expected={"values": [[1, 1], [1, 1]], "dtype": "torch.int64"}, check="ones_like_of_data"),
    Covered("002-lambda-one-hot-3", "002", "Lambda(lambda y: torch.zeros(10).scatter_(0, torch.tensor(y), value=1))",
          "label 3 -> [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]"),
    Covered("002-gradients-add-up", "002", "기본적으로 변화도는 더해지기 때문에 ... zero_grad()",
          "gradients add up unless zero_grad() resets them"),
    Covered("002-zero-grad", "002", "optimizer.zero_grad() 를 호출해 ... 재설정",
          "zero_grad() resets the gradients (to None since torch 2.0)"),
    Covered("002-whole-model-load", "002", "model = torch.load('model.pth')",
          "gives back the saved VGG model", tutorial_value="loads", note="from torch 2.6 this needs torch.load(path, weights_only=False)"),
    Measured("002-dataloader-batch-shapes", "002", "train_features, train_labels = next(iter(train_dataloader))",
          "Feature batch shape: torch.Size([64, 1, 28, 28]); Labels batch shape: torch.Size([64])",
          expected={"features": [64, 1, 28, 28], "labels": [64]}, check="dataloader_batch_shapes",
          args={"dataset_size": 100, "batch_size": 64},
          note="checked on 100 stand-in 1x28x28 images (FashionMNIST itself is not downloaded)"),
    # --- seed 002: datasets, transforms, DataLoader (data written by the suite, see reference/idx.py)
    Measured("002-fashionmnist-batch-shapes", "002", "train_features, train_labels = next(iter(train_dataloader))",
          "Feature batch shape: torch.Size([64, 1, 28, 28]); Labels batch shape: torch.Size([64])",
          expected={"features": [64, 1, 28, 28], "labels": [64]}, check="fashionmnist_shapes",
          args={"train_size": 100, "batch_size": 64}, needs_torchvision=True,
          note="torchvision's FashionMNIST(transform=ToTensor()) on 100 random images written as "
               "the IDX files it reads (download=False)"),
    Measured("002-fashionmnist-image-shape", "002", "img, label = training_data[sample_idx]",
          "# img shape = (1, 28, 28); img.squeeze().shape = (28, 28); labels_map[label]",
          expected={"img": [1, 28, 28], "squeezed": [28, 28], "label_type": "int"},
          check="fashionmnist_shapes", args={"train_size": 100, "batch_size": 64},
          needs_torchvision=True),
    Covered("002-fashionmnist-classes", "002", "labels_map = {0: \"T-Shirt\", ... 9: \"Ankle Boot\"}",
          "0 T-Shirt, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, "
          "9 Ankle Boot",
          expected=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                    "Sneaker", "Bag", "Ankle boot"],
          tutorial_value=["T-Shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                          "Sneaker", "Bag", "Ankle Boot"],
          note="the same classes in the same order (label i is labels_map[i]); FashionMNIST.classes "
               "and Zalando's documentation spell them 'T-shirt/top' and 'Ankle boot'. As written, "
               "the listing is a SyntaxError: no comma after 8: \"Bag\""),
    Measured("002-train-loop-progress", "002", "train_loop: if batch % 100 == 0: print(... current ...)",
          "size 60000; loss lines at [0/60000], [6400/60000], ... [57600/60000] each epoch",
          expected={"size": 60000, "batches": 938, "iterated": 938,
                    "printed": [0, 6400, 12800, 19200, 25600, 32000, 38400, 44800, 51200, 57600]},
          check="dataloader_progress", args={"dataset_size": 60000, "batch_size": 64, "every": 100},
          note="DataLoader(train_data, batch_size=64): ceil(60000 / 64) = 938 batches, the last of "
               "60000 - 937 * 64 = 32; current = batch * len(X) for batches 0, 100, ..., 900"),
    # The training runs themselves: suite/convergence (real MNIST digits; see the README).
    Covered("002-mlp-test-loss-falls", "002", "for t in range(epochs): train_loop(...); test_loop(...)",
          "Avg loss: 2.169787 -> 1.921545 -> 1.545819 -> 1.260925 -> 1.087270 (5 epochs)",
          note="checked on real MNIST digits (FashionMNIST is not shipped offline) with the "
               "tutorial's model, SGD(lr=1e-3), batch 64 and 938-step epochs: the test loss falls "
               "every epoch on every seed"),
    Covered("002-mlp-accuracy-rises", "002", "test_loop: print(f\"Accuracy: {(100 * correct):>0.1f}%\")",
          "Accuracy: 47.5% -> 60.3% -> 59.8% -> 63.2% -> 65.1% (5 epochs)",
          note="the tutorial's own printout dips at epoch 3 (60.3 -> 59.8); on real MNIST "
               "digits the accuracy rises every epoch on every seed and ends far above chance"),
    Covered("002-mlp-final-accuracy", "002", "test_loop: print(f\"Accuracy: {(100 * correct):>0.1f}%\")",
          "Accuracy: 65.1% after 5 epochs (chance: 10 %)",
          note="FashionMNIST's 65.1 % is not comparable with real MNIST digits; what is checked is "
               "the shape of the claim: after the 5 epochs, every seed at least 60 % (measured "
               "74.2-77.2 %), far above chance"),
    Covered("002-cnn-trains", "002", "net = Net(); optim.Adam(net.parameters(), lr=3e-4); batch_size=1",
          "the CNN learns MNIST (no accuracy printed)",
          note="checked with batch 16 and lr 1e-3 (batch 1 costs about 10 s per pass here): "
               "95 % test accuracy within 10 epochs on 4,000 real digits, every seed"),
    Covered("002-totensor-scales", "002", "transform=ToTensor() ... [0, 255]에서 [0.0, 1.0]으로 정규화",
          "ToTensor turns FashionMNIST's PIL images into tensors scaled from [0, 255] to [0.0, 1.0]"),
    Covered("002-totensor-any-ndarray", "002", "ToTensor 는 PIL Image나 NumPy ndarray를 FloatTensor로 변환하고 ...",
          "ToTensor converts a PIL Image or NumPy ndarray to a FloatTensor scaled to [0., 1.]",
          tutorial_value="any ndarray -> FloatTensor in [0, 1]",
          note="only uint8 arrays (and 8-bit PIL images) are converted to float and scaled; other "
               "arrays keep their dtype and values, as ToTensor's documentation says ('In the other "
               "cases, tensors are returned without scaling')"),
    Covered("002-target-transform-lambda", "002", "target_transform = Lambda(lambda y: torch.zeros(10, ...).scatter_(...))",
          "FashionMNIST labels become one-hot float targets"),
    Covered("002-custom-image-dataset", "002", "class CustomImageDataset(Dataset) ... read_image(img_path)",
          "__len__ is the number of CSV rows; __getitem__ gives the image read with read_image and "
          "its label (or {\"image\": image, \"label\": label}); DataLoader batches them",
          note="checked with the first listing's pd.read_csv(annotations_file, names=[...]); the "
               "second listing's pd.read_csv(annotations_file) takes the first row of a header-less "
               "labels.csv like the seed's as column names and loses that sample (pandas, not torch)"),
    Covered("002-getitem-dict", "002", "sample = {\"image\" : image, \"label\" : label}; return sample",
          "the dict sample is batched by the DataLoader"),
    Covered("002-shuffle-every-epoch", "002", "shuffle = True로 지정했으므로, 모든 배치를 순회한 뒤 데이터가 섞인다",
          "with shuffle=True the data is reshuffled after every pass over all batches"),
    Covered("002-num-workers", "002", "num_workers = 0 # 데이터를 로드할 때 사용하는 서브프로세스의 수",
          "num_workers is the number of subprocesses that load the data"),
    # --- seed 002: the MLP -----------------------------------------------------------------
    Measured("002-neuralnetwork-repr", "002", "print(model)", printed("neuralnetwork_seed002"),
          expected=True, check="prints_as", subject="NeuralNetwork",
          args={"printout": "neuralnetwork_seed002"}),
    Measured("002-neuralnetwork-parameters", "002", "named_parameters()",
          "linear_relu_stack.{0,2,4}.{weight,bias}: [512, 784], [512], [512, 512], [512], [10, 512], [10]",
          expected={"linear_relu_stack.0.weight": [512, 784], "linear_relu_stack.0.bias": [512],
                    "linear_relu_stack.2.weight": [512, 512], "linear_relu_stack.2.bias": [512],
                    "linear_relu_stack.4.weight": [10, 512], "linear_relu_stack.4.bias": [10]},
          check="state_dict_shapes", subject="NeuralNetwork"),
    Measured("002-neuralnetwork-forward-typo", "002", "logits = self.leaner_relu_stack(x)",
          "the first NeuralNetwork's forward returns logits", expected="AttributeError",
          check="output_shape", subject="NeuralNetwork as written", args={"input": [1, 28, 28]},
          tutorial_value=[1, 10], note="the attribute is linear_relu_stack (fixed in the later listing)"),
    Measured("002-prediction-shape", "002", "pred_probab.argmax(dim=1)",
          "Predicted class: tensor([8]) -- one class index for the one image",
          expected=[1], check="prediction_shape", subject="NeuralNetwork", args={"input": [1, 28, 28]}),
    Measured("002-flatten-shape", "002", "nn.Flatten", "torch.Size([3, 784])", expected=[3, 784],
          check="output_shape", subject="Flatten", args={"input": [3, 28, 28]}),
    Measured("002-linear-keyword-typo", "002", "nn.Linear(in_feature=28*28, out_feature=20)",
          "builds a Linear layer", expected="TypeError", check="raises", subject="Linear(in_feature=...)",
          tutorial_value="builds a Linear layer", note="the keywords are in_features and out_features"),
    Measured("002-linear-shape", "002", "hidden1 = layer1(flat_image)", "torch.Size([3, 20])",
          expected=[3, 20], check="output_shape", subject="Linear(784, 20)", args={"input": [3, 784]}),
    Measured("002-conv-keyword-typo", "002", "nn.Conv2d(in_channels=1, out_channel=6, ...)",
          "builds 6 conv filters", expected="TypeError", check="raises",
          subject="Conv2d(out_channel=...)", tutorial_value="builds 6 conv filters",
          note="the keyword is out_channels"),
    Measured("002-conv-shape", "002", "output_feature = conv_filters(images)", "torch.Size([10, 6, 28, 28])",
          expected=[10, 6, 28, 28], check="output_shape", subject="Conv2d(1, 6, 3, padding=1)",
          args={"input": [10, 1, 28, 28]}),
    Measured("002-functional-conv-shape", "002", "F.conv2d(images, filters, stride=1, padding=1)",
          "torch.Size([10, 6, 28, 28])", expected=[10, 6, 28, 28], check="output_shape",
          subject="F.conv2d with 6 3x3 filters, padding 1", args={"input": [10, 1, 28, 28]}),
    Measured("002-maxpool-values", "002", "Max-pooling operator", "nn.MaxPool2d(2) of the printed 6x6 image",
          expected=[[0.9898, 0.7821, 0.8874], [0.9300, 0.5684, 0.8395], [0.8717, 0.6788, 0.8110]],
          check="pool_of_printed_image", args={"pool": "max_pool2d", "print_precision": 1e-4}),
    Measured("002-avgpool-values", "002", "Average-pooling operator", "nn.AvgPool2d(2) of the printed 6x6 image",
          expected=[[0.8242, 0.4347, 0.3575], [0.4611, 0.4507, 0.6306], [0.3979, 0.3458, 0.4249]],
          check="pool_of_printed_image", args={"pool": "avg_pool2d", "print_precision": 1e-4},
          note="the input is known only to 4 decimals (each value off by <= 0.5e-4, so a mean "
               "too) and the output is printed to 4 decimals: agreement within 1e-4 is all the "
               "printout can show"),
    Measured("002-vgg16-repr", "002", "model.eval() after load_state_dict", printed("vgg16_seed002"),
          expected=True, check="prints_as", subject="vgg16", args={"printout": "vgg16_seed002"},
          needs_torchvision=True),
    Measured("002-normalize-typo", "002", "transforms.Normalize((0,1307), (0.3081))",
          "normalises MNIST images with mean 0.1307 and std 0.3081", expected="RuntimeError",
          check="normalize_mnist_image", args={"mean": [0, 1307], "std": [0.3081]},
          tutorial_value="normalises", needs_torchvision=True,
          note="(0,1307) is a 2-channel mean (0 and 1307); a 1-channel image cannot take it in "
               "place. The intended Normalize((0.1307,), (0.3081,)) is the next claim"),
    Measured("002-normalize-intended", "002", "(normalized_channel - (channel - mean) / std)",
          "Normalize((0.1307,), (0.3081,)) maps x to (x - 0.1307) / 0.3081", expected="(x-m)/s",
          check="normalize_mnist_image", args={"mean": [0.1307], "std": [0.3081]},
          needs_torchvision=True),
    # --- seed 003: MyNetwork and its torchsummary table -------------------------------
    Measured("003-mynetwork-repr", "003", "print(model)", printed("mynetwork_seed003"), expected=True,
          check="prints_as", subject="MyNetwork(num_class=2)", args={"printout": "mynetwork_seed003"},
          note="from torch 2.12 (suite.testing.versions.BATCHNORM_REPR_BIAS) BatchNorm lines also print "
               "bias=True"),
    Measured("003-summary-shapes", "003", "summary(model, input_size=(3, 112, 112), batch_size=4)",
          "per-layer output shapes", expected=[(layer, shape) for layer, shape, _ in MYNETWORK_LAYERS],
          check="layer_shapes", subject="MyNetwork(num_class=2)", args={"input": [4, 3, 112, 112]}),
    Measured("003-summary-parameters", "003", "summary(...) Param #", "per-layer parameter counts",
          expected=[(layer, count) for layer, _, count in MYNETWORK_LAYERS], check="layer_parameters",
          subject="MyNetwork(num_class=2)", args={"input": [4, 3, 112, 112]}),
    Measured("003-summary-totals", "003", "Total params / Trainable params / Non-trainable params",
          "231,426 / 231,426 / 0", expected={"total": 231426, "trainable": 231426, "non_trainable": 0},
          check="parameter_totals", subject="MyNetwork(num_class=2)"),
    Measured("003-summary-sizes", "003", "Input size (MB) / Forward/backward pass size (MB) / Params size (MB)",
          "0.57 / 14.71 / 0.88 / Estimated Total Size 16.17",
          expected={"input": 0.57, "forward_backward": 14.71, "params": 0.88, "total": 16.17},
          check="summary_sizes_mb", subject="MyNetwork(num_class=2)", args={"input": [4, 3, 112, 112]},
          note="torchsummary's definitions: float32 bytes of the input, of every layer's output "
               "twice (forward and backward), and of the parameters, in MiB"),
    Measured("003-dropout-trainable", "003", "DropOut을 걸었을때 꺼지는 Parameter는 제외된다",
          "Trainable params exclude the parameters Dropout switches off", expected=0,
          check="trainable_change_from_dropout", subject="MyNetwork(num_class=2)",
          tutorial_value="fewer trainable parameters",
          note="Dropout zeroes activations, not parameters: the trainable count is the number of "
               "parameters with requires_grad, with or without Dropout"),
    # --- seed 004: Parameter/Buffer, containers, AlexNet surgery, freezing, saving ----------
    Covered("004-parameter-buffer-tensor-table", "004", "Tensor / Parameter / Buffer table",
          "gradient, update, saved with the model: Tensor no/no/no, Parameter yes/yes/yes, Buffer no/no/yes"),
    Covered("004-buffers-not-updated", "004", "Buffer: ❌ 값 업데이트; Weight freeze ... 학습을 하지 않는다",
          "buffers are not updated, and frozen modules do not learn",
          tutorial_value="not updated",
          note="the optimizer leaves buffers alone, but BatchNorm updates its running stats in "
               "every training-mode forward, frozen parameters or not; eval() keeps them"),
    Covered("004-save-best-pth", "004", "torch.save(model.state_dict(), save_path); os.listdir",
          "해당 폴더의 파일 리스트: ['best.pth']; new_model.load_state_dict(torch.load(save_path))"),
    Covered("004-freeze-parameters", "004", "for param in alexnet.features[0].parameters(): param.requires_grad=False",
          "frozen parameters are not trained"),
    Measured("004-mylinear-output", "004", "prediction = model(x)",
          "MyLinearModel(3, 2) with W, b = ones maps x (10x3) to x @ W.T + b (10x2)",
          expected="x @ ones(3, 2) + 1", check="linear_model_output", subject="MyLinearModel(3, 2)"),
    Measured("004-linear-shape", "004", "model = nn.Linear(20, 30); model(torch.randn(128, 20))",
          "a 128x30 prediction", expected=[128, 30], check="output_shape", subject="Linear(20, 30)",
          args={"input": [128, 20]}),
    Measured("004-convbnconv-parameters", "004", "named_parameters()",
          "conv1.weight [3, 1, 1, 1]; conv1.bias [3]; bn1.weight [3]; bn1.bias [3]; conv2.weight [5, 3, 1, 1]",
          expected={"conv1.weight": [3, 1, 1, 1], "conv1.bias": [3], "bn1.weight": [3],
                    "bn1.bias": [3], "conv2.weight": [5, 3, 1, 1]},
          check="parameter_shapes", subject="ConvBnConv"),
    Measured("004-batchnorm-init", "004", "bn1.weight / bn1.bias values",
          "tensor([1., 1., 1.]) and tensor([0., 0., 0.])",
          expected={"bn1.weight": [1.0, 1.0, 1.0], "bn1.bias": [0.0, 0.0, 0.0]},
          check="parameter_values", subject="ConvBnConv"),
    Measured("004-convbnconv-summary", "004", "summary(model, input_size=(1, 1, 1))",
          "Conv2d-1 6, BatchNorm2d-2 6, Conv2d-3 15; Total params: 27",
          expected=[(layer, count) for layer, _, count in CONVBNCONV_LAYERS], check="layer_parameters",
          subject="ConvBnConv", args={"input": [2, 1, 1, 1]},
          note="torchsummary runs a batch of 2: with a batch of 1 this model raises in training "
               "mode (BatchNorm needs more than one value per channel)"),
    Measured("004-convbnconv-total", "004", "Total params: 27", "27", expected={
          "total": 27, "trainable": 27, "non_trainable": 0}, check="parameter_totals", subject="ConvBnConv"),
    Measured("004-alexnet-repr", "004", "alexnet", printed("alexnet_seed004"), expected=True,
          check="prints_as", subject="alexnet", args={"printout": "alexnet_seed004"},
          needs_torchvision=True),
    Measured("004-alexnet-classifier-0", "004", "alexnet.classifier[0] (four ways)",
          "Dropout(p=0.5, inplace=False)", expected="Dropout(p=0.5, inplace=False)",
          check="alexnet_classifier_0", subject="alexnet", needs_torchvision=True),
    Measured("004-alexnet-named-modules", "004", "for name, module in alexnet.named_modules()",
          "features, features.0 ... features.12, avgpool, classifier, classifier.0 ... classifier.6",
          expected=ALEXNET_MODULE_NAMES, check="module_names", subject="alexnet",
          needs_torchvision=True, note="named_modules() also yields the model itself, named ''"),
    Measured("004-alexnet-freeze", "004", "alexnet.features[0].requires_grad_(requires_grad=False)",
          "features[0].weight.requires_grad False; features[0].bias.requires_grad False",
          expected=[False, False], check="freeze_first_conv", subject="alexnet", needs_torchvision=True),
    Covered("004-alexnet-parameters", "004", "models.alexnet()",
          "AlexNet has 61,100,840 parameters (torchvision's documentation)"),
]
