# Baseline for `npm run bench:train`: the same LeNet, loss, optimizer and batch size in PyTorch on the CPU, 2 threads.
# A long-lived worker, so the benchmark can alternate short blocks of it with blocks of ours: this machine's speed
# drifts by tens of percent from minute to minute, and only interleaving makes the ratio mean something.
# Protocol: prints "ready"; then for each line "IMAGES" on stdin trains on that many images (random data: only speed
# is measured) and prints the seconds it took. Optional: needs python3-torch.
import sys, time, torch, torch.nn as nn, torch.nn.functional as F

recipe, batch = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(2)
torch.manual_seed(0)
act = torch.relu if recipe == "default" else torch.sigmoid

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5), nn.Conv2d(16, 120, 4)
        self.fc1, self.fc2 = nn.Linear(120, 64), nn.Linear(64, 10)
    def forward(self, x):
        if recipe == "default":
            x = F.max_pool2d(act(self.conv1(x)), 2)
            x = act(self.conv3(F.max_pool2d(act(self.conv2(x)), 2)))
        else:
            x = act(F.max_pool2d(act(self.conv1(x)), 2))
            x = self.conv3(F.max_pool2d(self.conv2(x), 2))
        return self.fc2(act(self.fc1(x.flatten(1))))

model = LeNet()
opt = torch.optim.Adam(model.parameters(), 1e-3) if recipe == "default" else torch.optim.SGD(model.parameters(), 1e-3, momentum=0.9)
images, labels = torch.rand(60000, 1, 28, 28), torch.randint(0, 10, (60000,))

def train(count):
    for i in range(0, count, batch):
        j = i % 60000
        opt.zero_grad()
        F.cross_entropy(model(images[j:j + batch]), labels[j:j + batch]).backward()
        opt.step()

train(20 * batch)  # warm-up, as our side's session creation warms ORT
print("ready", flush=True)
for line in sys.stdin:
    start = time.perf_counter()
    train(int(line))
    print(time.perf_counter() - start, flush=True)
