"""Pure rules about Chinese and Japanese text: scripts, language, folding, segmentation, numerals. No I/O."""
