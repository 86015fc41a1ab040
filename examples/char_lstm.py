"""A character-level LSTM language model learns a short paragraph, then writes some of its own.

    python examples/char_lstm.py --steps 300

Each step trains on a random batch of windows of the text with truncated backpropagation;
after training the model samples text from a seeded generator, one character at a time,
carrying its hidden state along.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.nn.functional as F

TEXT = (
    "the river runs past the mill and the mill turns the stone and the stone grinds the grain. "
    "the baker takes the grain and bakes the bread, and the bread feeds the miller who keeps the mill. "
    "in spring the river is high and the wheel turns fast; in summer the river is low and the wheel "
    "turns slow. the miller does not mind. he sits by the water and listens to the stone, and the "
    "stone tells him how the grain is ground. "
)


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed=24, hidden=96, layers=2, dropout=0.2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        # dropout acts between the stacked layers, in training mode only
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state


def batches(data, seq_len, batch_size, generator):
    """Random windows of ``seq_len + 1`` tokens: inputs and the same shifted by one."""
    starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,), generator=generator)
    windows = torch.stack([data[s:s + seq_len + 1] for s in starts.tolist()])
    return windows[:, :-1], windows[:, 1:]


@torch.no_grad()
def sample(model, prompt, length, stoi, itos, temperature=0.8, generator=None):
    model.eval()
    tokens = torch.tensor([[stoi[c] for c in prompt]])
    logits, state = model(tokens)
    out = list(prompt)
    for _ in range(length):
        probs = F.softmax(logits[:, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        out.append(itos[nxt.item()])
        logits, state = model(nxt, state)
    return "".join(out)


@torch.no_grad()
def full_text_loss(model, data):
    model.eval()
    logits, _ = model(data[:-1].unsqueeze(0))
    return F.cross_entropy(logits.squeeze(0), data[1:]).item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seq-len", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--sample-length", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = {i: c for c, i in stoi.items()}
    data = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)
    print(f"text: {len(TEXT)} characters, vocabulary: {len(chars)}")

    model = CharLSTM(len(chars))
    print(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    data_gen = torch.Generator().manual_seed(args.seed)

    initial = full_text_loss(model, data)
    print(f"initial loss {initial:.4f}")
    for step in range(1, args.steps + 1):
        model.train()
        inputs, targets = batches(data, args.seq_len, args.batch_size, data_gen)
        logits, _ = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % max(1, args.steps // 5) == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}")

    final = full_text_loss(model, data)
    print(f"final loss {final:.4f} (initial {initial:.4f})")
    sample_gen = torch.Generator().manual_seed(args.seed)
    print("sample:", sample(model, "the ", args.sample_length, stoi, itos, generator=sample_gen))


if __name__ == "__main__":
    main()
