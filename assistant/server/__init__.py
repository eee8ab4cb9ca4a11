"""The servers over one Assistant: the HTTP API (`serve`) and the MCP server (`mcp`)."""
