"""Recurrent layers: the generic `RNN`, its cells, `LSTM`/`GRU`/`SimpleRNN`, and RNN wrappers."""

from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.conv_lstm import ConvLSTM
from lamina.layers.rnn.conv_lstm_cell import ConvLSTMCell
from lamina.layers.rnn.conv_lstm_nd import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from lamina.layers.rnn.gru import GRU
from lamina.layers.rnn.gru_cell import GRUCell
from lamina.layers.rnn.lstm import LSTM
from lamina.layers.rnn.lstm_cell import LSTMCell
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import SimpleRNN
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.time_distributed import TimeDistributed

__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "StackedRNNCells",
           "Bidirectional", "TimeDistributed",
           "ConvLSTM", "ConvLSTMCell", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
