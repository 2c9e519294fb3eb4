"""Attention layers."""
from .attention import AdditiveAttention, Attention
from .grouped_query_attention import GroupQueryAttention
from .multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention"]
