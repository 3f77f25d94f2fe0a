"""The local OpenGPU network: anvil node, protocol deployment, IPFS store, development accounts."""
