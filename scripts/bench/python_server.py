# The stack people would otherwise pick, for `npm run bench:serve` to compare against: FastAPI + uvicorn + PyTorch + PIL,
# written the way the tutorials write it. Same LeNet topology; random weights (only speed is measured here).
# bench:serve runs it as `python3 -m uvicorn --app-dir scripts/bench python_server:app --workers N`.
import io
import torch
import torch.nn as nn
import torch.nn.functional as F
from fastapi import FastAPI, Request
from PIL import Image

torch.set_num_threads(1)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 4)
        self.fc1 = nn.Linear(120, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x)).flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


model = LeNet().eval()
app = FastAPI()


@app.post("/predict")
async def predict(request: Request):
    image = Image.open(io.BytesIO(await request.body())).convert("L").resize((28, 28))
    x = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).float().div(255).view(1, 1, 28, 28)
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=1)[0]
    digit = int(probabilities.argmax())
    return {"digit": digit, "confidence": float(probabilities[digit]), "probabilities": probabilities.tolist()}

