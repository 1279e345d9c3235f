"""The Textual app: widgets draw what fragtui.view computes from fragtui.sim."""
