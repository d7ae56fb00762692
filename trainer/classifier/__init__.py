"""ADR review classifier (tweet paper): char-CNN ⊕ word encoder ⊕ dependency-relation pairs ->
BiLSTM -> probability that a text reports an adverse drug reaction; orders the work queue."""
