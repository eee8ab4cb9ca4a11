# Offline environment (see ENVIRONMENT notes in the README): sourced by every script entry point.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export TOKENIZERS_PARALLELISM=false
export TORCH_VERSION=2.13.0
