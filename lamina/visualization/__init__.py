"""Pictures of models and data, drawn with matplotlib (no Graphviz): `plot_model` (layered DAG
layout), and Keras's `keras.visualization` image helpers `plot_image_gallery`,
`draw_segmentation_masks`, `plot_segmentation_mask_gallery`."""

from lamina.visualization.bounding_boxes import draw_bounding_boxes, plot_bounding_box_gallery
from lamina.visualization.model_to_dot import model_to_dot
from lamina.visualization.gallery import plot_image_gallery, plot_segmentation_mask_gallery
from lamina.visualization.plot_model import model_to_graph, plot_model
from lamina.visualization.segmentation import draw_segmentation_masks

__all__ = ["draw_bounding_boxes", "plot_bounding_box_gallery", "draw_segmentation_masks", "model_to_dot", "model_to_graph", "plot_image_gallery", "plot_model",
           "plot_segmentation_mask_gallery"]
