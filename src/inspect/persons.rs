//! The local emulator's test persons, for a picker: each with what it demonstrates (Bokmål, English), in the
//! order of its login page. The app logs in as one of them headless (a TestID hint), with no form.

use crate::emulator::EmulatorData;
use crate::krr::Lang;

/// One person of the emulator's shipped data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestPerson {
    pub pid: String,
    /// What the person demonstrates: (Bokmål, English).
    pub shows: (String, String),
}

impl TestPerson {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.shows.0, &self.shows.1)
    }
}

/// The persons of the in-process emulator (`local`, `local-difi`): the data it starts with (read once).
pub fn local_test_persons() -> &'static [TestPerson] {
    static PERSONS: std::sync::OnceLock<Vec<TestPerson>> = std::sync::OnceLock::new();
    PERSONS.get_or_init(read_persons)
}

fn read_persons() -> Vec<TestPerson> {
    let data = EmulatorData::default_data();
    data.order
        .iter()
        .filter_map(|pid| data.persons.get(pid))
        .map(|p| TestPerson {
            pid: p.pid.clone(),
            shows: p.shows.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_lists_test_2023_24_and_the_classic_persons_with_what_they_show() {
        let persons = local_test_persons();
        let find = |pid: &str| persons.iter().find(|p| p.pid == pid).cloned();
        let digipost = find("22859197810").expect("TEST 2023-24's Digipost person");
        assert!(
            digipost.label(Lang::En).contains("Digipost"),
            "{digipost:?}"
        );
        assert!(find("23079421936").is_some(), "the seed's example person");
        assert!(
            persons
                .iter()
                .all(|p| !p.shows.0.is_empty() && !p.shows.1.is_empty())
        );
    }
}
