/** One choice of a ChoiceList. */
export interface Choice {
  name: string;
  label: string;
  image?: string | null;
}
