//! The Swiss Cheese model: layers of defence, each with holes (latent
//! conditions or active failures), and the incident's trajectory, the holes
//! that lined up to let the hazard through.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SwissCheese {
    pub hazard: String,
    /// In the order the hazard meets them.
    pub layers: Vec<DefenceLayer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DefenceLayer {
    /// E.g. "Data validation", "Canary release", "Kill switch".
    pub name: String,
    pub holes: Vec<Hole>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hole {
    pub description: String,
    pub kind: HoleKind,
    /// Ids of findings or evidence that show the hole.
    pub findings: Vec<String>,
    /// Whether this hole was part of the incident's path.
    pub on_trajectory: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoleKind {
    /// A weakness that lay dormant in the system (a missing check).
    LatentCondition,
    /// An unsafe act or failure at the time of the incident.
    ActiveFailure,
}

/// The holes the hazard passed through, as (layer index, hole index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trajectory {
    pub holes: Vec<(usize, usize)>,
    /// Layers without a hole on the trajectory: where the hazard was, or
    /// should have been, stopped.
    pub held_layers: Vec<usize>,
    /// True when every layer had a hole on the trajectory: the hazard got
    /// through all defences.
    pub breached_all_layers: bool,
}

impl SwissCheese {
    /// The standard defence layers for an AI system, without holes.
    pub fn with_ai_default_layers(hazard: impl Into<String>) -> SwissCheese {
        let layers = [
            "Data validation",
            "Pre-deployment fairness review",
            "Shadow or canary release",
            "Monitoring and alerting",
            "Human oversight",
            "Kill switch",
        ];
        SwissCheese {
            hazard: hazard.into(),
            layers: layers
                .into_iter()
                .map(|name| DefenceLayer {
                    name: name.to_string(),
                    holes: Vec::new(),
                })
                .collect(),
        }
    }

    pub fn trajectory(&self) -> Trajectory {
        let mut holes = Vec::new();
        let mut held_layers = Vec::new();
        for (layer_index, layer) in self.layers.iter().enumerate() {
            let before = holes.len();
            holes.extend(
                layer
                    .holes
                    .iter()
                    .enumerate()
                    .filter(|(_, hole)| hole.on_trajectory)
                    .map(|(hole_index, _)| (layer_index, hole_index)),
            );
            if holes.len() == before {
                held_layers.push(layer_index);
            }
        }
        Trajectory {
            breached_all_layers: !self.layers.is_empty() && held_layers.is_empty(),
            holes,
            held_layers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hole(on_trajectory: bool) -> Hole {
        Hole {
            description: "gap".into(),
            kind: HoleKind::LatentCondition,
            findings: Vec::new(),
            on_trajectory,
        }
    }

    fn check(
        holes_per_layer: &[&[bool]],
        expected_holes: &[(usize, usize)],
        expected_held: &[usize],
        breached: bool,
    ) {
        let mut model = SwissCheese::with_ai_default_layers("Biased loan decisions");
        model.layers.truncate(holes_per_layer.len());
        for (layer, holes) in model.layers.iter_mut().zip(holes_per_layer) {
            layer.holes = holes.iter().map(|&on| hole(on)).collect();
        }
        let trajectory = model.trajectory();
        assert_eq!(trajectory.holes, expected_holes);
        assert_eq!(trajectory.held_layers, expected_held);
        assert_eq!(trajectory.breached_all_layers, breached);
    }

    #[test]
    fn trajectory_is_the_holes_that_lined_up() {
        check(
            &[&[true], &[false, true], &[true]],
            &[(0, 0), (1, 1), (2, 0)],
            &[],
            true,
        );
        check(&[&[true], &[false], &[]], &[(0, 0)], &[1, 2], false);
        check(&[], &[], &[], false);
    }
}
